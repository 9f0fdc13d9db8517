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
 * and {@code windowTokens} tokens held (a whole example's, or the slice kept for the last piece of an over-long
 * one); when either is reached the window is shuffled (seeded), sorted by length, longest first (the shuffle breaks
 * ties), and each example goes into the open row with the least free room that still holds it, or a new row. Rows
 * with no free room are emitted; partly filled rows stay open for the next window's examples, at most
 * {@code maxOpenRows} of them holding at most {@code windowTokens} tokens (the fullest are emitted first when there
 * are more). The rows a window emits leave in a seeded random order. Memory is bounded by the window and the open
 * rows, not by the dataset or the examples' lengths: about 9 bytes (id, vision flag, loss weight) per token held,
 * at most 2 × {@code windowTokens} plus the example being added, plus one row being built (22 bytes a position).
 *
 * <p>Over-long rule: an example with more than L targets is cut at target boundaries into ⌈(n−1)/L⌉ pieces, piece
 * k holding targets k·L+1 … min((k+1)·L, n−1) with the inputs just before them; each full piece is a row of its
 * own, the last (shorter) piece is packed like any example. Every piece is its own segment (positions restart at
 * 0; no attention to the previous piece) and keeps the whole example's loss weights, so they still sum to 1 per
 * modality over its pieces. Nothing else is ever cut across rows.
 *
 * <p>Rows are built one at a time: a packed window's rows wait as their pieces (no copies) and are built as they
 * leave, pushed to the consumer as soon as they are ready, or, without a consumer, pulled with {@link #poll()}. A
 * puller that polls until nothing is left before adding more holds one window, the open rows and one built row:
 * a window's rows built at once (~22 bytes a position) would take more heap than the window itself.
 *
 * <p>Deterministic: the same examples in the same order with the same seed give the same rows.
 */
public final class Packer {
  /**
   * Default bound on the tokens held by one window, and again by the open rows: 2^23 tokens each, at most ~150 MB of a
   * task's heap together (9 bytes a token), so two tasks fit a 3 GiB heap's user memory beside Spark's execution
   * memory, which the sort before pack run fills (1.65 GB there). With 4096 examples of at most 2048 tokens (typical
   * chat / QA data) the example count binds first.
   */
  public static final long WINDOW_TOKENS = 1L << 23;

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
  /** Tokens the window's pieces hold in memory. */
  private long windowTokens;
  /** Tokens the open rows' pieces hold in memory. */
  private long openTokens;
  /** Open rows by free room; rows with equal room in the order they were opened. */
  private final TreeMap<Integer, ArrayDeque<OpenRow>> open = new TreeMap<>();
  private int openCount;
  private long nextSeq;
  private long nextRowOrder;
  private final PackStats stats = new PackStats();
  /** Rows packed and numbered, not built yet, in the order they leave. */
  private final ArrayDeque<Queued> queued = new ArrayDeque<>();

  private record Queued(OpenRow row, long seqId) {}

  /** A packer that pushes every row to {@code out} as soon as it is packed. */
  public Packer(Options options, long seqIdBase, Consumer<PackedRow> out) {
    this.options = options;
    this.out = out;
    this.seqIdBase = seqIdBase;
    this.random = new SplittableRandom(options.seed());
    stats.seqLen = options.seqLen();
  }

  /** A packer whose rows are pulled with {@link #poll()}; its statistics count the rows polled so far. */
  public Packer(Options options, long seqIdBase) {
    this(options, seqIdBase, null);
  }

  /** The next packed row, built now, or null when none is ready (add more examples, or {@link #finish()}). */
  public PackedRow poll() {
    Queued q = queued.poll();
    if (q == null) return null;
    OpenRow r = q.row();
    stats.rows++;
    stats.usedPositions += options.seqLen() - r.free;
    for (Piece p : r.pieces) {
      String task = p.task() == null ? "" : p.task();
      stats.positionsPerTask.merge(task, (long) p.length(), Long::sum);
    }
    return r.build(q.seqId());
  }

  /** Rows numbered so far (polled or waiting): the next row's seq_id is {@code seqIdBase} plus this. */
  public long rowsPacked() {
    return nextSeq;
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
        row.place(Piece.of(e, w, from, l));
        full.add(row);
        stats.pieces++;
      }
      for (OpenRow r : full) emit(r);
      stats.pieces++;
      window.add(Piece.sliceOf(e, w, from, targets - from));
    } else {
      window.add(Piece.of(e, w, 0, targets));
    }
    windowTokens += window.get(window.size() - 1).heldTokens();
    if (window.size() >= options.window() || windowTokens >= options.windowTokens()) flushWindow(false);
    push();
  }

  /** Packs what is left and every open row leaves (pushed, or waiting for {@link #poll()}). */
  public PackStats finish() {
    flushWindow(true);
    push();
    return stats;
  }

  private void push() {
    if (out == null) return;
    for (PackedRow row = poll(); row != null; row = poll()) out.accept(row);
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
        openTokens -= row.held;
      }
      row.place(p);
      if (row.free == 0) {
        done.add(row);
      } else {
        open.computeIfAbsent(row.free, k -> new ArrayDeque<>()).addLast(row);
        openCount++;
        openTokens += row.held;
      }
    }
    stats.maxWindowTokens = Math.max(stats.maxWindowTokens, windowTokens);
    window.clear();
    windowTokens = 0;
    stats.maxOpenRows = Math.max(stats.maxOpenRows, openCount);
    // keep at most maxOpenRows open holding at most windowTokens (none after the last window): the fullest leave first
    int keep = last ? 0 : options.maxOpenRows();
    while (openCount > keep || openTokens > options.windowTokens()) {
      Map.Entry<Integer, ArrayDeque<OpenRow>> fullest = open.firstEntry();
      OpenRow row = fullest.getValue().pollFirst();
      done.add(row);
      if (fullest.getValue().isEmpty()) open.remove(fullest.getKey());
      openCount--;
      openTokens -= row.held;
    }
    stats.maxOpenTokens = Math.max(stats.maxOpenTokens, openTokens);
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
    queued.add(new Queued(r, seqIdBase + nextSeq++));
  }

  /** A row being filled: its pieces in placement order and its free room. */
  private static final class OpenRow {
    final List<Piece> pieces = new ArrayList<>(4);
    final int length;
    final long order;
    int free;
    long held; // tokens its pieces keep in memory

    OpenRow(int length, long order) {
      this.length = length;
      this.order = order;
      this.free = length;
    }

    void place(Piece p) {
      pieces.add(p);
      free -= p.length();
      held += p.heldTokens();
    }

    PackedRow build(long seqId) {
      int[] in = new int[length], tg = new int[length], seg = new int[length], pos = new int[length];
      float[] w = new float[length];
      boolean[] iv = new boolean[length], tv = new boolean[length];
      String[] ids = new String[pieces.size()];
      int p = 0;
      for (int s = 0; s < pieces.size(); s++) {
        Piece piece = pieces.get(s);
        int[] tok = piece.tokens();
        boolean[] vm = piece.vision();
        ids[s] = piece.id();
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
