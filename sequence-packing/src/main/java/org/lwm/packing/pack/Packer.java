package org.lwm.packing.pack;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.lwm.core.records.PackedRow;
import org.lwm.packing.format.FormattedExample;

/**
 * Masked sequence packing (DESIGN §6): a stream of formatted examples into rows of L positions, best-fit
 * decreasing over a bounded, seeded shuffle window.
 *
 * <p>An example of n tokens needs n−1 positions. Examples arrive into a window of at most {@code window} examples
 * and {@code windowTokens} tokens (an example's whole arrays stay held while its last piece waits in the window, so
 * the tokens counted are whole examples'); when either is reached the window is shuffled (seeded), sorted by length, longest first (the shuffle breaks ties), and each
 * example goes into the open row with the least free room that still holds it, or a new row. Rows with no free
 * room are emitted; partly filled rows stay open for the next window's examples, at most {@code maxOpenRows} of
 * them (the fullest are emitted first when there are more). The rows a window emits leave in a seeded random
 * order. Memory is bounded by the window and the open rows, not by the dataset: about 13 bytes per window token
 * (ids, loss mask, vision mask, loss weights) plus 22 bytes per position of each open row, whatever the examples'
 * lengths.
 *
 * <p>Over-long rule: an example with more than L targets is cut at target boundaries into ⌈(n−1)/L⌉ pieces, piece
 * k holding targets k·L+1 … min((k+1)·L, n−1) with the inputs just before them; each full piece is a row of its
 * own, the last (shorter) piece is packed like any example. Every piece is its own segment (positions restart at
 * 0; no attention to the previous piece) and keeps the whole example's loss weights, so they still sum to 1 per
 * modality over its pieces. Nothing else is ever cut across rows.
 *
 * <p>Deterministic: the same examples in the same order with the same seed give the same rows.
 */
public final class Packer {
  /**
   * Default bound on the tokens of the examples in one window: 2^24 tokens, about 220 MB of a task's heap (13 bytes a
   * token), so two tasks' windows fit a 3 GiB heap's user memory next to Spark's own. With 4096 examples of at most
   * 4096 tokens (typical chat / QA data) the example count binds first and windows are as before.
   */
  public static final long WINDOW_TOKENS = 1L << 24;

  /** L, the shuffle seed, the window (examples, and tokens of those examples) and the cap on rows kept open between windows. */
  public record Options(int seqLen, long seed, int window, int maxOpenRows, long windowTokens) {
    public Options {
      if (seqLen < 1) throw new IllegalArgumentException("sequence length " + seqLen + " must be positive: pass --seq-len L (e.g. 2048)");
      if (window < 1) throw new IllegalArgumentException("packing window " + window + " must be at least 1 example");
      if (maxOpenRows < 1) throw new IllegalArgumentException("maxOpenRows " + maxOpenRows + " must be at least 1");
      if (windowTokens < 1) throw new IllegalArgumentException("packing window of " + windowTokens + " tokens must be at least 1 token");
    }

    public Options(int seqLen, long seed, int window, int maxOpenRows) {
      this(seqLen, seed, window, maxOpenRows, WINDOW_TOKENS);
    }

    public static Options of(int seqLen, long seed) {
      return new Options(seqLen, seed, 4096, 1024);
    }
  }

  private final Options options;
  private final Consumer<PackedRow> out;
  private final long seqIdBase;
  private final SplittableRandom random;
  private final List<Piece> window = new ArrayList<>();
  /** Tokens of the whole examples the window's pieces belong to (what it holds in memory). */
  private long windowTokens;
  /** Open rows by free room; rows with equal room in the order they were opened. */
  private final TreeMap<Integer, ArrayDeque<OpenRow>> open = new TreeMap<>();
  private int openCount;
  private long nextSeq;
  private long nextRowOrder;
  private final PackStats stats = new PackStats();

  public Packer(Options options, long seqIdBase, Consumer<PackedRow> out) {
    this.options = options;
    this.out = out;
    this.seqIdBase = seqIdBase;
    this.random = new SplittableRandom(options.seed());
    stats.seqLen = options.seqLen();
  }

  public PackStats stats() {
    return stats;
  }

  /** Adds one example; rows are emitted as windows fill. */
  public void add(FormattedExample e) {
    stats.examples++;
    int targets = e.length() - 1;
    if (targets < 1) {
      stats.examplesEmpty++;
      return;
    }
    float[] w = LossWeights.of(e);
    int l = options.seqLen();
    if (targets > l) {
      stats.examplesSplit++;
      List<OpenRow> full = new ArrayList<>();
      int from = 0;
      for (; targets - from > l; from += l) {
        OpenRow row = new OpenRow(l, nextRowOrder++);
        row.place(new Piece(e, w, from, l));
        full.add(row);
        stats.pieces++;
      }
      for (OpenRow r : full) emit(r);
      stats.pieces++;
      window.add(new Piece(e, w, from, targets - from));
    } else {
      window.add(new Piece(e, w, 0, targets));
    }
    windowTokens += e.length();
    if (window.size() >= options.window() || windowTokens >= options.windowTokens()) flushWindow(false);
  }

  /** Packs what is left and emits every open row. */
  public PackStats finish() {
    flushWindow(true);
    return stats;
  }

  private void flushWindow(boolean last) {
    // seeded shuffle, then a stable sort by length: equal lengths stay in shuffled order
    for (int i = window.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      Piece t = window.get(i);
      window.set(i, window.get(j));
      window.set(j, t);
    }
    window.sort(Comparator.comparingInt(Piece::length).reversed());
    List<OpenRow> done = new ArrayList<>();
    for (Piece p : window) {
      Map.Entry<Integer, ArrayDeque<OpenRow>> fit = open.ceilingEntry(p.length());
      OpenRow row;
      if (fit == null) {
        row = new OpenRow(options.seqLen(), nextRowOrder++);
      } else {
        row = fit.getValue().pollFirst();
        if (fit.getValue().isEmpty()) open.remove(fit.getKey());
        openCount--;
      }
      row.place(p);
      if (row.free == 0) {
        done.add(row);
      } else {
        open.computeIfAbsent(row.free, k -> new ArrayDeque<>()).addLast(row);
        openCount++;
      }
    }
    stats.maxWindowTokens = Math.max(stats.maxWindowTokens, windowTokens);
    window.clear();
    windowTokens = 0;
    stats.maxOpenRows = Math.max(stats.maxOpenRows, openCount);
    // keep at most maxOpenRows open (none after the last window): the fullest leave first
    int keep = last ? 0 : options.maxOpenRows();
    while (openCount > keep) {
      Map.Entry<Integer, ArrayDeque<OpenRow>> fullest = open.firstEntry();
      done.add(fullest.getValue().pollFirst());
      if (fullest.getValue().isEmpty()) open.remove(fullest.getKey());
      openCount--;
    }
    done.sort(Comparator.comparingLong(r -> r.order));
    for (int i = done.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      OpenRow t = done.get(i);
      done.set(i, done.get(j));
      done.set(j, t);
    }
    for (OpenRow r : done) emit(r);
  }

  private void emit(OpenRow r) {
    PackedRow row = r.build(seqIdBase + nextSeq++);
    stats.rows++;
    stats.usedPositions += options.seqLen() - r.free;
    for (Piece p : r.pieces) {
      String task = p.example().task() == null ? "" : p.example().task();
      stats.positionsPerTask.merge(task, (long) p.length(), Long::sum);
    }
    out.accept(row);
  }

  /** A row being filled: its pieces in placement order and its free room. */
  private static final class OpenRow {
    final List<Piece> pieces = new ArrayList<>(4);
    final int length;
    final long order;
    int free;

    OpenRow(int length, long order) {
      this.length = length;
      this.order = order;
      this.free = length;
    }

    void place(Piece p) {
      pieces.add(p);
      free -= p.length();
    }

    PackedRow build(long seqId) {
      int[] in = new int[length], tg = new int[length], seg = new int[length], pos = new int[length];
      float[] w = new float[length];
      boolean[] iv = new boolean[length], tv = new boolean[length];
      String[] ids = new String[pieces.size()];
      int p = 0;
      for (int s = 0; s < pieces.size(); s++) {
        Piece piece = pieces.get(s);
        FormattedExample e = piece.example();
        int[] tok = e.tokens();
        boolean[] vm = e.visionMask();
        ids[s] = e.id();
        for (int i = 0; i < piece.length(); i++, p++) {
          int t = piece.from() + i;
          in[p] = tok[t];
          tg[p] = tok[t + 1];
          iv[p] = vm[t];
          tv[p] = vm[t + 1];
          w[p] = piece.weights()[t + 1];
          seg[p] = s + 1;
          pos[p] = i;
        }
      }
      return new PackedRow(seqId, in, tg, w, iv, tv, seg, pos, ids);
    }
  }
}
