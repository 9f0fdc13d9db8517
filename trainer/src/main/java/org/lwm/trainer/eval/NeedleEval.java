package org.lwm.trainer.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.lwm.core.cli.UserError;
import org.lwm.core.records.PackedRow;
import org.lwm.core.records.SequenceLayout;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.trainer.model.Parameters;
import org.lwm.trainer.model.SequenceParallel;

/**
 * LWM's needle-in-a-haystack eval (DESIGN §9): a haystack of book text cut to a context length, k needles
 * "The special magic {city} number is: {7 digits}." inserted at a depth (moved back to a sentence end), a
 * question for j of the cities, greedy decoding, and a needle counts as found when its number appears in the
 * answer. Accuracy per (context length, depth) over several seeds.
 */
public final class NeedleEval {
  private static final String[] CITIES = {"Paris", "Lisbon", "Nairobi", "Kyoto", "Lima", "Oslo", "Cairo", "Dublin",
      "Hanoi", "Quito", "Vienna", "Perth", "Accra", "Bogota", "Tunis", "Riga"};

  /** The grid and decoding settings. */
  public record Settings(int[] lengths, int[] depths, int seeds, int needles, int asked, int maxNewTokens,
      SequenceParallel.Options parallel) {}

  /** Accuracy [length][depth] in [0, 1], and one example answer per cell for the report. */
  public record Result(int[] lengths, int[] depths, double[][] accuracy, String[][] sampleAnswer) {
    public String table() {
      StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-10s", "depth \\ L"));
      for (int l : lengths) sb.append(String.format(Locale.ROOT, "%8d", l));
      sb.append('\n');
      for (int d = 0; d < depths.length; d++) {
        sb.append(String.format(Locale.ROOT, "%-10s", depths[d] + "%"));
        for (int l = 0; l < lengths.length; l++) sb.append(String.format(Locale.ROOT, "%8.2f", accuracy[l][d]));
        sb.append('\n');
      }
      return sb.toString();
    }

    public double mean() {
      double s = 0;
      for (double[] row : accuracy) for (double a : row) s += a;
      return s / (lengths.length * depths.length);
    }
  }

  private final Parameters model;
  private final SentencePieceTokenizer tokenizer;
  private final String haystack;

  public NeedleEval(Parameters model, SentencePieceTokenizer tokenizer, String haystack) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.haystack = haystack;
    if (tokenizer.vocabSize() > model.config.vocabSize()) {
      throw new UserError("tokenizer has " + tokenizer.vocabSize() + " pieces but the model's vocab_size is "
          + model.config.vocabSize() + ": evaluate with the tokenizer the model was trained with");
    }
  }

  public Result run(Settings s) {
    double[][] acc = new double[s.lengths().length][s.depths().length];
    String[][] sample = new String[s.lengths().length][s.depths().length];
    for (int li = 0; li < s.lengths().length; li++) {
      int[] context = haystackTokens(s.lengths()[li]);
      for (int di = 0; di < s.depths().length; di++) {
        double found = 0;
        for (int seed = 0; seed < s.seeds(); seed++) {
          Random r = new Random(seed * 1_000_003L + li * 7919L + di);
          Trial t = trial(context, s.lengths()[li], s.depths()[di], s.needles(), s.asked(), s.maxNewTokens(), r);
          String answer = generate(t.prompt, s.maxNewTokens(), s.parallel());
          int hits = 0;
          for (String number : t.askedNumbers) if (answer.contains(number)) hits++;
          found += (double) hits / t.askedNumbers.size();
          if (seed == 0) sample[li][di] = answer;
        }
        acc[li][di] = found / s.seeds();
      }
    }
    return new Result(s.lengths(), s.depths(), acc, sample);
  }

  record Trial(int[] prompt, List<String> askedNumbers) {}

  /** Enough haystack tokens for the longest prompt of this length. */
  int[] haystackTokens(int length) {
    int chars = Math.min(haystack.length(), length * 8 + 1000);
    int[] ids = tokenizer.encode(haystack.substring(0, chars));
    if (ids.length < length / 2) {
      throw new UserError("the haystack has only " + ids.length + " tokens, too few for a context of " + length
          + ": ingest more books or use shorter --lengths");
    }
    return ids;
  }

  Trial trial(int[] hay, int length, int depth, int needles, int asked, int maxNew, Random r) {
    List<String> cities = new ArrayList<>(Arrays.asList(CITIES));
    java.util.Collections.shuffle(cities, r);
    List<int[]> needleTokens = new ArrayList<>();
    List<String> numbers = new ArrayList<>();
    for (int k = 0; k < needles; k++) {
      String number = Integer.toString(1_000_000 + r.nextInt(9_000_000));
      numbers.add(number);
      needleTokens.add(tokenizer.encode(" The special magic " + cities.get(k) + " number is: " + number + "."));
    }
    List<Integer> askedIdx = new ArrayList<>();
    for (int k = 0; k < needles; k++) askedIdx.add(k);
    java.util.Collections.shuffle(askedIdx, r);
    askedIdx = askedIdx.subList(0, Math.min(asked, needles));
    StringBuilder q = new StringBuilder(" What ");
    for (int i = 0; i < askedIdx.size(); i++) {
      q.append(i == 0 ? "is the special magic " : " and the special magic ").append(cities.get(askedIdx.get(i))).append(" number");
    }
    q.append("? The special magic ").append(cities.get(askedIdx.get(0))).append(" number is:");
    int[] question = tokenizer.encode(q.toString());
    int needleTotal = 0;
    for (int[] n : needleTokens) needleTotal += n.length;
    int budget = length - 1 - question.length - needleTotal - maxNew;
    if (budget < 16) throw new UserError("context length " + length + " is too short for the needles and question");
    int[] ctx = Arrays.copyOf(hay, Math.min(budget, hay.length));
    // needles at the depth and, for k > 1, spread evenly after it; each moved back to a sentence end
    List<Integer> out = new ArrayList<>();
    int[] at = new int[needles];
    for (int k = 0; k < needles; k++) {
      int pct = (depth + k * 100 / needles) % 101;
      at[k] = sentenceEndBefore(ctx, (int) ((long) ctx.length * pct / 100));
    }
    out.add(tokenizer.bosId());
    for (int p = 0; p <= ctx.length; p++) {
      for (int k = 0; k < needles; k++) if (at[k] == p) for (int id : needleTokens.get(k)) out.add(id);
      if (p < ctx.length) out.add(ctx[p]);
    }
    for (int id : question) out.add(id);
    List<String> askedNumbers = new ArrayList<>();
    for (int k : askedIdx) askedNumbers.add(numbers.get(k));
    return new Trial(out.stream().mapToInt(Integer::intValue).toArray(), askedNumbers);
  }

  /** The position just after the last piece ending a sentence at or before {@code pos} (0 if none). */
  private int sentenceEndBefore(int[] ctx, int pos) {
    for (int p = Math.min(pos, ctx.length); p > 0; p--) {
      String piece = tokenizer.pieceOf(ctx[p - 1]);
      if (piece.endsWith(".") || piece.endsWith("!") || piece.endsWith("?")) return p;
    }
    return 0;
  }

  /** Greedy decoding: the whole prompt is rerun per new token (no KV cache; fine for eval-sized grids). */
  String generate(int[] prompt, int maxNew, SequenceParallel.Options o) {
    int[] ids = Arrays.copyOf(prompt, prompt.length + maxNew);
    int n = prompt.length;
    int parts = o.layout() == SequenceLayout.ZIGZAG ? 2 * o.sp() : o.sp();
    List<Integer> generated = new ArrayList<>();
    for (int step = 0; step < maxNew; step++) {
      int len = (n + parts - 1) / parts * parts;
      int[] in = new int[len], seg = new int[len], pos = new int[len];
      for (int i = 0; i < len; i++) {
        in[i] = i < n ? ids[i] : 0;
        seg[i] = i < n ? 1 : 0; // padding after the prompt: its own segment, never seen by real positions
        pos[i] = i < n ? i : i - n;
      }
      PackedRow row = new PackedRow(0, in, new int[len], new float[len], new boolean[len], new boolean[len], seg, pos, null);
      float[] logits = SequenceParallel.run(model.config, model, List.of(row), o, false, true).textLogits()[0];
      int v = model.config.vocabSize(), best = 0;
      for (int i = 1; i < tokenizer.vocabSize(); i++) if (logits[(n - 1) * v + i] > logits[(n - 1) * v + best]) best = i;
      if (best == tokenizer.eosId()) break;
      ids[n++] = best;
      generated.add(best);
    }
    return tokenizer.decode(generated.stream().mapToInt(Integer::intValue).toArray());
  }
}
