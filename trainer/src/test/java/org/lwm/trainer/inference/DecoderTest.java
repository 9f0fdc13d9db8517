package org.lwm.trainer.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.lwm.core.cli.UserError;
import org.lwm.core.records.PackedRow;
import org.lwm.trainer.TestRows;
import org.lwm.trainer.backend.Backend;
import org.lwm.trainer.model.ModelConfig;
import org.lwm.trainer.model.Parameters;
import org.lwm.trainer.model.SequenceParallel;

/** The KV-cached forward against the uncached training forward, batching, and sampling. */
class DecoderTest {
  static final Parameters MODEL = TestRows.model(3, 10000);

  /** Text-head logits [n, V] of the whole sequence by the training forward (no cache). */
  static float[] uncached(int[] ids, boolean[] vision) {
    return uncached(MODEL, ids, vision);
  }

  static float[] uncached(Parameters model, int[] ids, boolean[] vision) {
    int n = ids.length;
    int[] seg = new int[n], pos = new int[n];
    Arrays.fill(seg, 1);
    for (int i = 0; i < n; i++) pos[i] = i;
    PackedRow row = new PackedRow(0, ids, new int[n], new float[n], vision, new boolean[n], seg, pos, null);
    return SequenceParallel.run(model.config, model, List.of(row), SequenceParallel.Options.dense(), false, true).textLogits()[0];
  }

  static int[] tokens(Random r, int n, boolean[] vision) {
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) {
      vision[i] = i > 4 && r.nextInt(3) == 0;
      ids[i] = r.nextInt(vision[i] ? MODEL.config.visionVocabSize() : MODEL.config.vocabSize());
    }
    return ids;
  }

  @Test
  void cachedStepsGiveTheUncachedForwardsLogitsAtEveryPosition() {
    Random r = new Random(5);
    int n = 40, v = MODEL.config.vocabSize();
    boolean[] vision = new boolean[n];
    int[] ids = tokens(r, n, vision);
    float[] want = uncached(ids, vision);
    Decoder dec = new Decoder(MODEL, Backend.cpu());
    KvCache cache = dec.newCache(4); // grows while decoding
    // a prefill of 17, a chunk of 5, then one token at a time
    int[] cuts = {0, 17, 22};
    List<float[]> got = new ArrayList<>();
    for (int c = 0; c < cuts.length; c++) {
      int from = cuts[c], to = c + 1 < cuts.length ? cuts[c + 1] : from + 1;
      while (from < n) {
        float[] h = dec.forward(List.of(cache), List.of(Arrays.copyOfRange(ids, from, to)), List.of(Arrays.copyOfRange(vision, from, to)), false)[0];
        got.add(dec.logits(h, false));
        from = to;
        if (c + 1 < cuts.length) break;
        to = from + 1;
      }
    }
    float[] all = new float[n * v];
    int at = 0;
    for (float[] g : got) {
      System.arraycopy(g, 0, all, at, g.length);
      at += g.length;
    }
    assertEquals(n * v, at);
    assertEquals(n, cache.length());
    for (int i = 0; i < all.length; i++) {
      assertEquals(want[i], all[i], 1e-4 * (1 + Math.abs(want[i])), "logit " + (i % v) + " at position " + (i / v));
    }
  }

  @Test
  void cachedVisionStepsGiveTheUncachedForwardsVisionHeadLogits() {
    // the training forward returns text-head logits only; a copy of the model whose text head is its vision head
    // (both vocabularies of 37) gives, through that forward, the vision head's logits of the same hidden states
    ModelConfig c = new ModelConfig(37, 37, 32, 48, 2, 4, 2, 10000, 1e-5, 1024);
    Parameters model = Parameters.init(c, 9), swapped = Parameters.init(c, 1);
    Random r = new Random(9);
    model.named().forEach((name, w) -> {
      for (int i = 0; i < w.length; i++) w[i] = name.endsWith("norm.weight") ? 1f + 0.2f * (float) r.nextGaussian() : w[i] * 10f;
      if (!name.equals("lm_head.weight")) System.arraycopy(w, 0, swapped.named().get(name), 0, w.length);
    });
    System.arraycopy(model.visionHead, 0, swapped.lmHead, 0, model.visionHead.length);
    int n = 30, v = c.visionVocabSize();
    boolean[] vision = new boolean[n];
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) {
      vision[i] = i >= 6; // a text prompt, then vision tokens, as in image generation
      ids[i] = r.nextInt(37);
    }
    float[] want = uncached(swapped, ids, vision);
    Decoder dec = new Decoder(model, Backend.cpu());
    KvCache cache = dec.newCache(4);
    float[] got = new float[n * v];
    float[] prefill = dec.logits(dec.forward(List.of(cache), List.of(Arrays.copyOf(ids, 8)), List.of(Arrays.copyOf(vision, 8)), false)[0], true);
    System.arraycopy(prefill, 0, got, 0, prefill.length);
    for (int p = 8; p < n; p++) {
      float[] h = dec.forward(List.of(cache), List.of(new int[] {ids[p]}), List.of(new boolean[] {vision[p]}), true)[0];
      System.arraycopy(dec.logits(h, true), 0, got, p * v, v);
    }
    for (int i = 0; i < got.length; i++) {
      assertEquals(want[i], got[i], 1e-4 * (1 + Math.abs(want[i])), "vision logit " + (i % v) + " at position " + (i / v));
    }
  }

  @Test
  void sequencesBatchedTogetherGetTheLogitsTheyGetAlone() {
    Random r = new Random(9);
    Decoder dec = new Decoder(MODEL, Backend.cpu());
    boolean[] va = new boolean[12], vb = new boolean[7];
    int[] a = tokens(r, 12, va), b = tokens(r, 7, vb);
    float[] aloneA = dec.forward(List.of(dec.newCache(16)), List.of(a), List.of(va), true)[0];
    float[] aloneB = dec.forward(List.of(dec.newCache(16)), List.of(b), List.of(vb), true)[0];
    float[][] both = dec.forward(List.of(dec.newCache(16), dec.newCache(16)), List.of(a, b), List.of(va, vb), true);
    for (int i = 0; i < aloneA.length; i++) assertEquals(aloneA[i], both[0][i], 1e-5);
    for (int i = 0; i < aloneB.length; i++) assertEquals(aloneB[i], both[1][i], 1e-5);
  }

  @Test
  void greedyGenerationIsTheArgmaxOfTheUncachedForwardTokenByToken() {
    int v = MODEL.config.vocabSize();
    int[] prompt = {1, 7, 9, 30, 2, 44};
    int[] got = new TextGenerator(new Decoder(MODEL, Backend.cpu())).greedy(prompt, 10, Set.of());
    assertEquals(10, got.length);
    int[] seq = prompt.clone();
    for (int step = 0; step < 10; step++) {
      float[] z = uncached(seq, new boolean[seq.length]);
      int best = 0, o = (seq.length - 1) * v;
      for (int i = 1; i < v; i++) if (z[o + i] > z[o + best]) best = i;
      assertEquals(best, got[step], "token " + step);
      seq = Arrays.copyOf(seq, seq.length + 1);
      seq[seq.length - 1] = best;
    }
  }

  @Test
  void batchedRequestsStopAtTheirStopTokensAndLimitsAndSamplingIsSeeded() {
    TextGenerator g = new TextGenerator(new Decoder(MODEL, Backend.cpu()));
    int[] p = {1, 5, 6};
    int[] greedy = g.greedy(p, 8, Set.of());
    List<TextGenerator.Result> r = g.generate(List.of(
        new TextGenerator.Request(p, 8, Sampling.greedy(), Set.of(greedy[3])),
        new TextGenerator.Request(new int[] {1, 9}, 3, new Sampling(1.0, 0, 1.0, 42), Set.of()),
        new TextGenerator.Request(p, 8, new Sampling(0.7, 1, 1.0, 7), Set.of())), null);
    int firstStop = 0;
    while (greedy[firstStop] != greedy[3]) firstStop++;
    assertArrayEquals(Arrays.copyOf(greedy, firstStop), r.get(0).tokens(), "stops before its stop token");
    assertEquals("stop", r.get(0).finishReason());
    assertEquals(3, r.get(1).tokens().length);
    assertEquals("length", r.get(1).finishReason());
    assertArrayEquals(greedy, r.get(2).tokens(), "top-k 1 is greedy whatever the temperature");
    // the same seed, the same samples; another seed, (here) other samples
    int[] s1 = sample(g, 42), s2 = sample(g, 42), s3 = sample(g, 43);
    assertArrayEquals(s1, s2);
    assertNotEquals(Arrays.toString(s1), Arrays.toString(s3));
    UserError e = assertThrows(UserError.class, () -> g.greedy(p, MODEL.config.maxPositions(), Set.of()));
    assertTrue(e.getMessage().contains("exceed the model's context"), e.getMessage());
    assertThrows(UserError.class, () -> new Sampling(0.5, 0, 0, 1));
  }

  static int[] sample(TextGenerator g, long seed) {
    return g.generate(List.of(new TextGenerator.Request(new int[] {1, 3}, 12, new Sampling(1.5, 0, 0.95, seed), Set.of())), null)
        .get(0).tokens();
  }
}
