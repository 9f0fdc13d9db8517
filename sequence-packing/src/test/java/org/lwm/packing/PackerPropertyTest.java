package org.lwm.packing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lwm.core.records.PackedRow;
import org.lwm.packing.format.FormattedExample;
import org.lwm.packing.pack.PackStats;
import org.lwm.packing.pack.Packer;

/**
 * Property-based checks of the packer on randomized examples (seeded generation, many trials): every invariant of
 * DESIGN §6 on every row, every example recovered exactly from its segments, loss weights giving the
 * one-example-per-padded-row loss, no cut but over-long examples, determinism, bounded memory.
 */
class PackerPropertyTest {

  /** Random examples: lengths from 1 to ~2.5·L (a few over-long), random 0/1 loss masks, vision runs. */
  static List<FormattedExample> examples(Random r, int count, int seqLen) {
    List<FormattedExample> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int kind = r.nextInt(20);
      int n = kind == 0 ? seqLen + 2 + r.nextInt(2 * seqLen) : kind < 3 ? 1 + r.nextInt(3) : 2 + r.nextInt(Math.max(1, seqLen / (1 + r.nextInt(4))));
      int[] tokens = new int[n];
      float[] loss = new float[n];
      boolean[] vision = new boolean[n];
      boolean inVision = false;
      float m = r.nextBoolean() ? 1f : 0f;
      for (int t = 0; t < n; t++) {
        if (r.nextInt(30) == 0) inVision = !inVision;
        if (r.nextInt(10) == 0) m = 1f - m;
        vision[t] = inVision;
        tokens[t] = inVision ? r.nextInt(8194) : r.nextInt(8000);
        loss[t] = t == 0 ? 0f : m;
      }
      out.add(new FormattedExample("ex" + i, "task" + r.nextInt(3), tokens, loss, vision));
    }
    return out;
  }

  static List<PackedRow> pack(List<FormattedExample> ex, Packer.Options o, PackStats[] stats) {
    List<PackedRow> rows = new ArrayList<>();
    Packer p = new Packer(o, 1000, rows::add);
    for (FormattedExample e : ex) p.add(e);
    PackStats s = p.finish();
    if (stats != null) stats[0] = s;
    return rows;
  }

  @Test
  void invariantsHoldOnRandomData() {
    Random seeds = new Random(2024);
    for (int trial = 0; trial < 60; trial++) {
      Random r = new Random(seeds.nextLong());
      int seqLen = 8 + r.nextInt(120);
      List<FormattedExample> ex = examples(r, 1 + r.nextInt(300), seqLen);
      Packer.Options o = new Packer.Options(seqLen, r.nextLong(), 1 + r.nextInt(64), 1 + r.nextInt(16));
      PackStats[] st = new PackStats[1];
      List<PackedRow> rows = pack(ex, o, st);
      check(ex, rows, o, st[0], "trial " + trial);
    }
  }

  static void check(List<FormattedExample> ex, List<PackedRow> rows, Packer.Options o, PackStats stats, String where) {
    int l = o.seqLen();
    Map<String, FormattedExample> byId = new LinkedHashMap<>();
    for (FormattedExample e : ex) byId.put(e.id(), e);
    // the pieces of each example, in row order, as (inputs, targets, weights, vision flags)
    Map<String, List<int[]>> inputs = new HashMap<>(), targets = new HashMap<>();
    Map<String, List<float[]>> weights = new HashMap<>();
    Map<String, List<boolean[]>> inVis = new HashMap<>(), tgVis = new HashMap<>();
    long used = 0;
    for (PackedRow row : rows) {
      assertEquals(l, row.length(), where);
      int[] seg = row.segmentIds();
      int k = row.exampleIds().length;
      assertTrue(k >= 1, where + ": an empty row");
      assertEquals(1, seg[0], where + ": a row starts with segment 1");
      int prev = 1, start = 0;
      for (int p = 0; p <= l; p++) {
        int s = p < l ? seg[p] : -1;
        if (p < l && s == prev) continue;
        // segment `prev` spans [start, p)
        if (p < l) {
          assertTrue(s == prev + 1 || s == 0, where + ": segment ids go " + prev + " → " + s);
        }
        String id = row.exampleIds()[prev - 1];
        FormattedExample e = byId.get(id);
        int len = p - start;
        int[] in = new int[len], tg = new int[len];
        float[] w = new float[len];
        boolean[] iv = new boolean[len], tv = new boolean[len];
        for (int i = 0; i < len; i++) {
          assertEquals(i, row.positionIds()[start + i], where + ": positions restart at 0 in every segment");
          in[i] = row.inputIds()[start + i];
          tg[i] = row.targetIds()[start + i];
          w[i] = row.lossWeight()[start + i];
          iv[i] = row.inputVision()[start + i];
          tv[i] = row.targetVision()[start + i];
          if (i + 1 < len) assertEquals(tg[i], row.inputIds()[start + i + 1], where + ": target is the next input inside a segment");
        }
        assertTrue(e != null, where + ": unknown example " + id);
        inputs.computeIfAbsent(id, x -> new ArrayList<>()).add(in);
        targets.computeIfAbsent(id, x -> new ArrayList<>()).add(tg);
        weights.computeIfAbsent(id, x -> new ArrayList<>()).add(w);
        inVis.computeIfAbsent(id, x -> new ArrayList<>()).add(iv);
        tgVis.computeIfAbsent(id, x -> new ArrayList<>()).add(tv);
        used += len;
        if (s == 0 || p == l) {
          for (int q = p; q < l; q++) {
            assertEquals(0, seg[q], where + ": padding only at the end");
            assertEquals(0f, row.lossWeight()[q], where + ": no weight on padding");
          }
          assertEquals(k, prev, where + ": example_ids name every segment");
          break;
        }
        prev = s;
        start = p;
      }
    }
    assertEquals(used, stats.usedPositions, where);
    assertEquals(rows.size(), stats.rows, where);
    long split = 0;
    for (FormattedExample e : ex) {
      int n = e.length();
      if (n < 2) {
        assertTrue(!inputs.containsKey(e.id()), where + ": an example without targets takes no room");
        continue;
      }
      List<int[]> ins = inputs.get(e.id());
      int pieces = (n - 1 + l - 1) / l;
      assertEquals(pieces, ins.size(), where + ": " + e.id() + " of " + n + " tokens is cut only when longer than L");
      if (pieces > 1) split++;
      // reassemble: pieces are in row order; an example's full pieces come before its last piece
      int[] allIn = concat(ins), allTg = concat(targets.get(e.id()));
      boolean[] allIv = concatB(inVis.get(e.id())), allTv = concatB(tgVis.get(e.id()));
      float[] allW = concatF(weights.get(e.id()));
      assertArrayEquals(java.util.Arrays.copyOfRange(e.tokens(), 0, n - 1), allIn, where + ": inputs of " + e.id());
      assertArrayEquals(java.util.Arrays.copyOfRange(e.tokens(), 1, n), allTg, where + ": targets of " + e.id());
      assertArrayEquals(java.util.Arrays.copyOfRange(e.visionMask(), 0, n - 1), allIv, where);
      assertArrayEquals(java.util.Arrays.copyOfRange(e.visionMask(), 1, n), allTv, where);
      // weights: mask/m per modality, summing to 1 where the modality has loss targets
      double[] sum = new double[2];
      int[] m = new int[2];
      for (int t = 1; t < n; t++) {
        int mod = e.visionMask()[t] ? 1 : 0;
        sum[mod] += allW[t - 1];
        if (e.lossMask()[t] > 0) m[mod]++;
        assertEquals(e.lossMask()[t] > 0 ? 1.0 / m(e, mod) : 0.0, allW[t - 1], 1e-6, where);
      }
      for (int mod = 0; mod < 2; mod++) assertEquals(m[mod] > 0 ? 1.0 : 0.0, sum[mod], 1e-4, where + ": weights of " + e.id());
    }
    assertEquals(split, stats.examplesSplit, where);
  }

  static int m(FormattedExample e, int mod) {
    int c = 0;
    for (int t = 1; t < e.length(); t++) if ((e.visionMask()[t] ? 1 : 0) == mod && e.lossMask()[t] > 0) c++;
    return c;
  }

  /** Σ w·CE / Σ w per modality over packed rows equals the mean over examples of each example's masked mean CE. */
  @Test
  void packedLossEqualsOneExamplePerPaddedRowLoss() {
    Random r = new Random(99);
    for (int trial = 0; trial < 20; trial++) {
      int seqLen = 16 + r.nextInt(200);
      List<FormattedExample> ex = new ArrayList<>();
      for (FormattedExample e : examples(r, 50 + r.nextInt(200), seqLen)) {
        // token t of each example is t, so a position's target id says which target it is
        int[] tok = new int[e.length()];
        for (int t = 0; t < tok.length; t++) tok[t] = t;
        ex.add(new FormattedExample(e.id(), e.task(), tok, e.lossMask(), e.visionMask()));
      }
      // a fixed "cross-entropy" per (example, target index), as a model would give it
      Map<String, double[]> ce = new HashMap<>();
      for (FormattedExample e : ex) {
        double[] c = new double[e.length()];
        for (int t = 0; t < c.length; t++) c[t] = r.nextDouble() * 10;
        ce.put(e.id(), c);
      }
      List<PackedRow> rows = pack(ex, new Packer.Options(seqLen, trial, 32, 8), null);
      double[] num = new double[2], den = new double[2];
      for (PackedRow row : rows) {
        for (int p = 0; p < seqLen; p++) {
          int s = row.segmentIds()[p];
          if (s == 0) break;
          String id = row.exampleIds()[s - 1];
          int mod = row.targetVision()[p] ? 1 : 0;
          double[] c = ce.get(id);
          int t = row.targetIds()[p];
          num[mod] += row.lossWeight()[p] * c[t];
          den[mod] += row.lossWeight()[p];
        }
      }
      double[] ref = new double[2];
      int[] rowsWith = new int[2];
      for (FormattedExample e : ex) {
        for (int mod = 0; mod < 2; mod++) {
          double s = 0;
          int m = 0;
          for (int t = 1; t < e.length(); t++) {
            if ((e.visionMask()[t] ? 1 : 0) == mod && e.lossMask()[t] > 0) {
              s += ce.get(e.id())[t];
              m++;
            }
          }
          if (m > 0) {
            ref[mod] += s / m;
            rowsWith[mod]++;
          }
        }
      }
      for (int mod = 0; mod < 2; mod++) {
        if (rowsWith[mod] == 0) continue;
        assertEquals(rowsWith[mod], den[mod], 1e-3, "Σ w is the number of examples");
        assertEquals(ref[mod] / rowsWith[mod], num[mod] / den[mod], 1e-4, "trial " + trial + " modality " + mod);
      }
    }
  }

  @Test
  void deterministicForASeedAndShuffledByIt() {
    List<FormattedExample> ex = examples(new Random(5), 400, 64);
    List<PackedRow> a = pack(ex, new Packer.Options(64, 11, 50, 10), null);
    List<PackedRow> b = pack(ex, new Packer.Options(64, 11, 50, 10), null);
    List<PackedRow> c = pack(ex, new Packer.Options(64, 12, 50, 10), null);
    assertEquals(a, b);
    assertNotEquals(a, c);
  }

  @Test
  void pulledRowsArePushedRowsAndAtMostOneIsBuiltAtATime() {
    Random seeds = new Random(77);
    for (int trial = 0; trial < 30; trial++) {
      Random r = new Random(seeds.nextLong());
      int seqLen = 8 + r.nextInt(120);
      List<FormattedExample> ex = examples(r, 1 + r.nextInt(300), seqLen);
      Packer.Options o = new Packer.Options(seqLen, r.nextLong(), 1 + r.nextInt(64), 1 + r.nextInt(16), 1 + r.nextInt(4 * seqLen));
      PackStats[] pushed = new PackStats[1];
      List<PackedRow> expected = pack(ex, o, pushed);
      // as pack run pulls: every ready row out before the next example goes in
      Packer p = new Packer(o, 1000);
      List<PackedRow> rows = new ArrayList<>();
      for (FormattedExample e : ex) {
        for (PackedRow row = p.poll(); row != null; row = p.poll()) rows.add(row);
        p.add(e);
      }
      p.finish();
      assertEquals(expected.size(), p.rowsPacked(), "trial " + trial + ": rows numbered at finish");
      for (PackedRow row = p.poll(); row != null; row = p.poll()) rows.add(row);
      assertEquals(expected, rows, "trial " + trial);
      assertEquals(pushed[0].rows, p.stats().rows);
      assertEquals(pushed[0].usedPositions, p.stats().usedPositions);
      assertEquals(pushed[0].positionsPerTask, p.stats().positionsPerTask);
    }
  }

  @Test
  void memoryIsBoundedByTheWindowAndOpenRows() {
    List<FormattedExample> ex = examples(new Random(8), 3000, 256);
    PackStats[] st = new PackStats[1];
    pack(ex, new Packer.Options(256, 1, 100, 20), st);
    assertTrue(st[0].maxOpenRows <= 20 + 100, "open rows " + st[0].maxOpenRows);
  }

  @Test
  void windowIsBoundedByTheTokensOfLongExamples() {
    // book-sized examples (500–3000 tokens at L = 1024): 4096 of them would be the whole input in one window
    Random r = new Random(5);
    List<FormattedExample> ex = new ArrayList<>();
    for (int i = 0; i < 120; i++) {
      int n = 500 + r.nextInt(2501);
      ex.add(new FormattedExample("b" + i, "book", new int[n], ones(n), new boolean[n]));
    }
    PackStats[] bounded = new PackStats[1];
    Packer.Options o = new Packer.Options(1024, 3, 4096, 64, 6000);
    List<PackedRow> rows = pack(ex, o, bounded);
    check(ex, rows, o, bounded[0], "bounded window");
    // flushed once the held tokens reach the bound: below it plus one example; the open rows hold no more than it
    assertTrue(bounded[0].maxWindowTokens >= 6000 && bounded[0].maxWindowTokens < 6000 + 1025, "window tokens " + bounded[0].maxWindowTokens);
    assertTrue(bounded[0].maxOpenTokens <= 6000, "open rows' tokens " + bounded[0].maxOpenTokens);
    // where the bound does not bind (the default, here), the rows are exactly those of the count-only window
    PackStats[] whole = new PackStats[1];
    List<PackedRow> a = pack(ex, new Packer.Options(1024, 3, 4096, 64), whole);
    List<PackedRow> b = pack(ex, new Packer.Options(1024, 3, 4096, 64, Long.MAX_VALUE), null);
    // an example of n tokens is held whole when it fits a row, else as the slice of its last piece: n − 1024·k tokens
    assertEquals(ex.stream().mapToLong(e -> e.length() - 1 <= 1024 ? e.length() : (e.length() - 2) % 1024 + 2).sum(), whole[0].maxWindowTokens);
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      assertArrayEquals(a.get(i).inputIds(), b.get(i).inputIds());
      assertArrayEquals(a.get(i).exampleIds(), b.get(i).exampleIds());
    }
  }

  @Test
  void bestFitFillsRowsOfARealisticMix() {
    // text-like lengths: many short, some long, a few over-long, at L = 4096
    Random r = new Random(3);
    List<FormattedExample> ex = new ArrayList<>();
    for (int i = 0; i < 6000; i++) {
      int n = (int) Math.min(20000, Math.max(2, Math.exp(5 + 2 * r.nextGaussian())));
      ex.add(new FormattedExample("e" + i, "t", new int[n], ones(n), new boolean[n]));
    }
    PackStats[] st = new PackStats[1];
    List<PackedRow> rows = pack(ex, Packer.Options.of(4096, 1), st);
    assertTrue(st[0].fillRate() >= 0.995, "fill " + st[0]);
    assertEquals(rows.size(), st[0].rows);
  }

  static float[] ones(int n) {
    float[] f = new float[n];
    java.util.Arrays.fill(f, 1f);
    f[0] = 0f;
    return f;
  }

  static int[] concat(List<int[]> parts) {
    int n = 0;
    for (int[] p : parts) n += p.length;
    int[] out = new int[n];
    int o = 0;
    for (int[] p : parts) {
      System.arraycopy(p, 0, out, o, p.length);
      o += p.length;
    }
    return out;
  }

  static float[] concatF(List<float[]> parts) {
    int n = 0;
    for (float[] p : parts) n += p.length;
    float[] out = new float[n];
    int o = 0;
    for (float[] p : parts) {
      System.arraycopy(p, 0, out, o, p.length);
      o += p.length;
    }
    return out;
  }

  static boolean[] concatB(List<boolean[]> parts) {
    int n = 0;
    for (boolean[] p : parts) n += p.length;
    boolean[] out = new boolean[n];
    int o = 0;
    for (boolean[] p : parts) {
      System.arraycopy(p, 0, out, o, p.length);
      o += p.length;
    }
    return out;
  }
}
