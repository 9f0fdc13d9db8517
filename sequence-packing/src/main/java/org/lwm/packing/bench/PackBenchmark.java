package org.lwm.packing.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.lwm.packing.format.FormattedExample;
import org.lwm.packing.pack.PackStats;
import org.lwm.packing.pack.Packer;

/**
 * The packing benchmark (bench/pack.sh, docs/PERFORMANCE.md): one generated set of example lengths with a realistic
 * mix (chat, image–text, video–text, documents with a long tail, long QA), written to a file for the LWM peer, then
 * our packer's fill, cut and truncated tokens, and its throughput over a few rounds.
 *
 * <p>Usage: {@code PackBenchmark gen LENGTHS N} writes N lengths; {@code PackBenchmark ours LENGTHS L ROUNDS}
 * packs them.
 */
public final class PackBenchmark {
  private PackBenchmark() {}

  public static void main(String[] args) throws IOException {
    if (args.length >= 3 && args[0].equals("gen")) {
      generate(Path.of(args[1]), Integer.parseInt(args[2]));
    } else if (args.length >= 4 && args[0].equals("ours")) {
      ours(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
    } else {
      System.err.println("usage: PackBenchmark gen LENGTHS N | ours LENGTHS L ROUNDS");
      System.exit(2);
    }
  }

  /** Token counts of formatted examples (BOS and EOS included), seeded. */
  static void generate(Path file, int n) throws IOException {
    Random r = new Random(42);
    try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(file))) {
      for (int i = 0; i < n; i++) {
        double u = r.nextDouble();
        int len;
        if (u < 0.35) len = clamp(lognormal(r, 350, 0.7), 20, 4000); // chat turns
        else if (u < 0.55) len = 1 + 5 + 257 + 6 + clamp(lognormal(r, 25, 0.5), 3, 200) + 1; // image–text
        else if (u < 0.70) len = 1 + 5 + (4 + r.nextInt(13)) * 257 + 6 + clamp(lognormal(r, 40, 0.5), 3, 300) + 1; // video–text, 4–16 frames
        else if (u < 0.95) len = clamp(lognormal(r, 1500, 1.2), 50, 60000); // documents
        else len = 3000 + r.nextInt(9001); // long QA
        w.println(len);
      }
    }
  }

  static int lognormal(Random r, double median, double sigma) {
    return (int) Math.round(median * Math.exp(sigma * r.nextGaussian()));
  }

  static int clamp(int v, int lo, int hi) {
    return Math.max(lo, Math.min(hi, v));
  }

  static void ours(Path file, int seqLen, int rounds) throws IOException {
    List<FormattedExample> examples = new ArrayList<>();
    long tokens = 0;
    int i = 0;
    for (String line : Files.readAllLines(file)) {
      int n = Integer.parseInt(line.trim());
      int[] t = new int[n];
      float[] m = new float[n];
      for (int k = 0; k < n; k++) {
        t[k] = k % 8000;
        m[k] = k == 0 ? 0f : 1f;
      }
      examples.add(new FormattedExample("e" + i++, "t", t, m, new boolean[n]));
      tokens += n;
    }
    long overLong = examples.stream().filter(e -> e.length() - 1 > seqLen).count();
    for (int round = 1; round <= rounds; round++) {
      long[] rows = {0};
      long start = System.nanoTime();
      Packer p = new Packer(Packer.Options.of(seqLen, round), 0, row -> rows[0]++);
      for (FormattedExample e : examples) p.add(e);
      PackStats s = p.finish();
      double sec = (System.nanoTime() - start) / 1e9;
      if (round < rounds) continue; // earlier rounds warm the JIT up
      System.out.printf("ours    L=%d round %s: %d examples (%d tokens) → %d rows, fill %.4f, truncated 0 tokens, "
              + "cut %d (all longer than L: %d), %.0f examples/s, %.1f M tokens/s%n",
          seqLen, System.getProperty("bench.round", String.valueOf(round)), s.examples, tokens, s.rows, s.fillRate(), s.examplesSplit, overLong, s.examples / sec, tokens / sec / 1e6);
    }
  }
}
