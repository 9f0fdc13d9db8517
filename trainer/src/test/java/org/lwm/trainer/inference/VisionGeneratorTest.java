package org.lwm.trainer.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lwm.core.cli.UserError;
import org.lwm.packing.format.FormatOptions;
import org.lwm.trainer.backend.Backend;
import org.lwm.trainer.model.ModelConfig;
import org.lwm.trainer.model.Parameters;

/** Vision spans in LWM's format: frames of valid codes, the frame ends, guidance, seeds, LWM's two-phase video. */
class VisionGeneratorTest {
  static final int[] VISION_END = {7, 8, 9}; // stands for the tokenizer's </vision>
  static final Parameters MODEL = model(11);
  static final VisionPrompt PROMPT = VisionPrompt.text(new int[] {1, 20, 21, 22, 5, 6});
  static final VisionPrompt UNCOND = VisionPrompt.text(new int[] {1, 5, 6});

  /** A tiny model with LWM's vision vocabulary, weights spread wider than HF's 0.02 so that choices differ. */
  static Parameters model(long seed) {
    ModelConfig c = new ModelConfig(61, 8448, 16, 24, 2, 2, 2, 1e4, 1e-5, 1024);
    Parameters p = Parameters.init(c, seed);
    Random r = new Random(seed);
    p.named().forEach((name, w) -> {
      for (int i = 0; i < w.length; i++) w[i] = name.endsWith("norm.weight") ? 1f + 0.2f * (float) r.nextGaussian() : w[i] * 20f;
    });
    return p;
  }

  static VisionGenerator generator(Parameters p) {
    return new VisionGenerator(new Decoder(p, Backend.cpu()), VISION_END);
  }

  @Test
  void framesAreWholeValidCodesEndedByEofThenEovAndVisionEnd() {
    // make the non-code ids the likeliest at the first step, so only the restriction keeps them out
    Parameters p = model(11);
    Decoder dec = new Decoder(p, Backend.cpu());
    float[] h = dec.forward(List.of(dec.newCache(8)), List.of(PROMPT.ids()), List.of(PROMPT.vision()), true)[0];
    int d = p.config.hidden();
    for (int id = FormatOptions.EOF; id < p.config.visionVocabSize(); id++) for (int k = 0; k < d; k++) p.visionHead[id * d + k] = 100f * h[k];
    float[] first = dec.logits(h, true);
    assertTrue(argmax(first, first.length) >= FormatOptions.CODES, "the unrestricted choice is outside the codebook");

    VisionGenerator.Result r = generator(p).generate(new VisionGenerator.Request(PROMPT, UNCOND, 3, 2, true, new Sampling(1, 0, 1, 5)));
    assertEquals(2, r.frames().size());
    assertEquals(2 * 257 + VISION_END.length, r.tokens().length);
    for (int f = 0; f < 2; f++) {
      int[] frame = r.frames().get(f);
      assertEquals(256, frame.length);
      for (int j = 0; j < 256; j++) {
        assertTrue(frame[j] >= 0 && frame[j] < FormatOptions.CODES, "code " + frame[j]);
        assertEquals(frame[j], r.tokens()[f * 257 + j]);
      }
    }
    assertEquals(FormatOptions.EOF, r.tokens()[256]);
    assertEquals(FormatOptions.EOV, r.tokens()[513]);
    assertArrayEquals(VISION_END, java.util.Arrays.copyOfRange(r.tokens(), 514, r.tokens().length));
    for (int i = 0; i < r.tokens().length; i++) assertEquals(i < 514, r.vision()[i], "vision mask at " + i);
    // greedy picks the argmax of the codes, at the first step the restricted argmax of the model's logits
    VisionGenerator.Result g = generator(p).generate(new VisionGenerator.Request(PROMPT, null, 1, 1, true, Sampling.greedy()));
    assertEquals(argmax(first, FormatOptions.CODES), g.frames().get(0)[0]);
  }

  @Test
  void aFrameThatDoesNotEndTheVideoEndsWithEofAndNoVisionEnd() {
    VisionGenerator.Result r = generator(MODEL).generate(new VisionGenerator.Request(PROMPT, null, 1, 1, false, Sampling.greedy()));
    assertEquals(257, r.tokens().length);
    assertEquals(FormatOptions.EOF, r.tokens()[256]);
  }

  @Test
  void theSameSeedGivesTheSameFramesAndAnotherSeedOthers() {
    VisionGenerator gen = generator(MODEL);
    int[] a = gen.generate(new VisionGenerator.Request(PROMPT, UNCOND, 2, 1, true, new Sampling(1, 100, 0.95, 42))).tokens();
    int[] b = gen.generate(new VisionGenerator.Request(PROMPT, UNCOND, 2, 1, true, new Sampling(1, 100, 0.95, 42))).tokens();
    int[] c = gen.generate(new VisionGenerator.Request(PROMPT, UNCOND, 2, 1, true, new Sampling(1, 100, 0.95, 43))).tokens();
    assertArrayEquals(a, b);
    assertFalse(java.util.Arrays.equals(a, c));
  }

  @Test
  void guidanceMixesTheConditionalAndUnconditionalLogitsAsLwmDoes() {
    Decoder dec = new Decoder(MODEL, Backend.cpu());
    float[] c = dec.logits(dec.forward(List.of(dec.newCache(8)), List.of(PROMPT.ids()), List.of(PROMPT.vision()), true)[0], true);
    float[] u = dec.logits(dec.forward(List.of(dec.newCache(8)), List.of(UNCOND.ids()), List.of(UNCOND.vision()), true)[0], true);
    double s = 4;
    float[] mixed = new float[FormatOptions.CODES];
    for (int i = 0; i < mixed.length; i++) mixed[i] = (float) (u[i] + s * (c[i] - u[i]));
    VisionGenerator gen = generator(MODEL);
    int[] guided = gen.generate(new VisionGenerator.Request(PROMPT, UNCOND, s, 1, true, Sampling.greedy())).frames().get(0);
    assertEquals(argmax(mixed, mixed.length), guided[0]);
    assertNotEquals(argmax(mixed, mixed.length), argmax(c, FormatOptions.CODES), "the test's guidance changes the first code");
    // scale 1 is no guidance: the unconditional prompt is not even run
    int[] one = gen.generate(new VisionGenerator.Request(PROMPT, UNCOND, 1, 1, true, Sampling.greedy())).frames().get(0);
    int[] none = gen.generate(new VisionGenerator.Request(PROMPT, null, 5, 1, true, Sampling.greedy())).frames().get(0);
    assertArrayEquals(none, one);
    assertEquals(argmax(c, FormatOptions.CODES), one[0]);
  }

  @Test
  void aVideoIsItsFirstFrameAsAnImageThenFramesContinuingItUnderTheVideoPrompt() {
    VisionGenerator gen = generator(MODEL);
    VisionPrompt video = VisionPrompt.text(new int[] {1, 30, 31, 5, 6});
    VisionGenerator.Result r = gen.video(new VisionGenerator.Request(PROMPT, UNCOND, 3, 1, false, Sampling.greedy()), video, 3, 1, Sampling.greedy());
    assertEquals(3, r.frames().size());
    assertEquals(3 * 257 + VISION_END.length, r.tokens().length);
    assertEquals(FormatOptions.EOF, r.tokens()[256]);
    assertEquals(FormatOptions.EOF, r.tokens()[513]);
    assertEquals(FormatOptions.EOV, r.tokens()[770]);
    int[] image = gen.generate(new VisionGenerator.Request(PROMPT, UNCOND, 3, 1, true, Sampling.greedy())).frames().get(0);
    assertArrayEquals(image, r.frames().get(0));
    List<int[]> rest = gen.generate(new VisionGenerator.Request(video.withFrames(List.of(image)), null, 1, 2, true, Sampling.greedy())).frames();
    assertArrayEquals(rest.get(0), r.frames().get(1));
    assertArrayEquals(rest.get(1), r.frames().get(2));
  }

  @Test
  void badRequestsAreOneLineErrors() {
    Parameters textOnly = Parameters.init(new ModelConfig(61, 0, 16, 24, 1, 2, 2, 1e4, 1e-5, 1024), 1);
    assertTrue(assertThrows(UserError.class, () -> generator(textOnly)).getMessage().contains("text-only"));
    VisionGenerator gen = generator(MODEL);
    assertTrue(assertThrows(UserError.class, () -> gen.generate(new VisionGenerator.Request(PROMPT, null, 1, 0, true, Sampling.greedy())))
        .getMessage().contains("at least 1"));
    assertTrue(assertThrows(UserError.class, () -> gen.generate(new VisionGenerator.Request(PROMPT, null, 1, 4, true, Sampling.greedy())))
        .getMessage().contains("context of 1024"));
    assertThrows(UserError.class, () -> PROMPT.withFrames(List.of(new int[255])));
  }

  static int argmax(float[] x, int n) {
    int best = 0;
    for (int i = 1; i < n; i++) if (x[i] > x[best]) best = i;
    return best;
  }
}
