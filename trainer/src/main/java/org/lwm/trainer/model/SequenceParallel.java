package org.lwm.trainer.model;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.lwm.core.cli.UserError;
import org.lwm.core.numeric.Gemm;
import org.lwm.core.records.PackedRow;
import org.lwm.core.records.SequenceLayout;
import org.lwm.trainer.ring.LocalRing;
import org.lwm.trainer.ring.Transport;

/**
 * Loss, gradients and logits of a batch of packed rows with {@code sp} worker threads on a {@link LocalRing}:
 * each row is cut into sp shards by the layout, every worker runs {@link LlamaWorker} on its shard of each
 * row in turn (accumulating gradients over the batch), and the workers' gradients and losses are summed with
 * the transport's all-reduce at the end.
 */
public final class SequenceParallel {
  private SequenceParallel() {}

  /** Worker threads are kept between calls, so their native GEMM scratch buffers are reused. */
  private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
    Thread th = new Thread(r, "ring-worker");
    th.setDaemon(true);
    return th;
  });

  /** recompute: keep only layer inputs and rerun each layer in the backward (activation checkpointing). */
  public record Options(int sp, SequenceLayout layout, int queryChunk, int keyChunk, int lossChunk, boolean recompute)
      implements java.io.Serializable {
    public Options(int sp, SequenceLayout layout, int queryChunk, int keyChunk, int lossChunk) {
      this(sp, layout, queryChunk, keyChunk, lossChunk, false);
    }

    public Options withRecompute(boolean on) {
      return new Options(sp, layout, queryChunk, keyChunk, lossChunk, on);
    }

    public static Options dense() {
      return new Options(1, SequenceLayout.CONTIGUOUS, 512, 512, 256);
    }
  }

  /**
   * loss = ½(text + vision) when both have targets, else the one that has; textLoss/visionLoss = Σw·CE/Σw;
   * grads summed over rows and workers (null unless asked); textLogits [rows][L·V] (null unless asked).
   */
  public record Result(double loss, double textLoss, double visionLoss, double textWeight, double visionWeight,
      Parameters grads, float[][] textLogits, long tilesComputed, long tilesSkipped) {}

  /** Σ w over text and over vision targets of the batch: the loss's normalisers. */
  public static double[] weightSums(List<PackedRow> rows) {
    double text = 0, vision = 0;
    for (PackedRow r : rows) {
      for (int p = 0; p < r.length(); p++) {
        if (r.targetVision()[p]) vision += r.lossWeight()[p]; else text += r.lossWeight()[p];
      }
    }
    return new double[] {text, vision};
  }

  public static Result run(ModelConfig cfg, Parameters weights, List<PackedRow> rows, Options o, boolean wantGrads,
      boolean wantLogits) {
    return run(cfg, weights, rows, weightSums(rows), o, wantGrads, wantLogits);
  }

  /**
   * As {@link #run(ModelConfig, Parameters, List, Options, boolean, boolean)} with the normalisers given, so a
   * global batch can be run in micro-batches (gradient accumulation) with the loss of the whole batch.
   */
  public static Result run(ModelConfig cfg, Parameters weights, List<PackedRow> rows, double[] weightSums, Options o,
      boolean wantGrads, boolean wantLogits) {
    int sp = o.sp();
    for (PackedRow r : rows) {
      try {
        o.layout().check(r.length(), sp);
      } catch (IllegalArgumentException e) {
        throw new UserError("row " + r.seqId() + ": " + e.getMessage());
      }
    }
    boolean both = weightSums[0] > 0 && weightSums[1] > 0;
    float textScale = weightSums[0] > 0 ? (float) ((both ? 0.5 : 1.0) / weightSums[0]) : 0f;
    float visionScale = weightSums[1] > 0 ? (float) ((both ? 0.5 : 1.0) / weightSums[1]) : 0f;
    float[][] logits = wantLogits ? new float[rows.size()][] : null;
    if (wantLogits) for (int i = 0; i < rows.size(); i++) logits[i] = new float[rows.get(i).length() * cfg.vocabSize()];

    Gemm.useCallers(sp);
    LocalRing ring = new LocalRing(sp);
    List<Future<Object[]>> futures = new java.util.ArrayList<>();
    ExecutorCompletionService<Object[]> completion = new ExecutorCompletionService<>(POOL);
    for (int rank = 0; rank < sp; rank++) {
      Transport t = ring.worker(rank);
      futures.add(completion.submit(() -> {
        Parameters grads = wantGrads ? Parameters.zeros(cfg) : null;
        LlamaWorker worker = new LlamaWorker(cfg, weights, grads, t, o.queryChunk(), o.keyChunk(), o.lossChunk(), o.recompute(), 1024);
        double[] sums = new double[4];
        for (int i = 0; i < rows.size(); i++) {
          PackedRow row = rows.get(i);
          int[] index = o.layout().positions(row.length(), sp, t.rank());
          PackedRow s = o.layout().shard(row, sp, t.rank());
          float[] coef = new float[index.length];
          for (int p = 0; p < index.length; p++) coef[p] = s.lossWeight()[p] * (s.targetVision()[p] ? visionScale : textScale);
          LlamaWorker.Shard shard = new LlamaWorker.Shard(row.seqId(), index, s.inputIds(), s.inputVision(),
              s.targetIds(), s.targetVision(), coef, s.segmentIds(), s.positionIds());
          float[] shardLogits = wantLogits ? new float[index.length * cfg.vocabSize()] : null;
          double[] l = worker.run(shard, s.lossWeight(), wantGrads, shardLogits);
          for (int k = 0; k < 4; k++) sums[k] += l[k];
          if (wantLogits) {
            int v = cfg.vocabSize();
            for (int p = 0; p < index.length; p++) System.arraycopy(shardLogits, p * v, logits[i], index[p] * v, v);
          }
        }
        for (int k = 0; k < 4; k++) sums[k] = t.allReduceSum(sums[k]);
        if (wantGrads) for (float[] g : grads.named().values()) t.allReduceSum(g);
        return new Object[] {sums, grads, worker.attention().tilesComputed(), worker.attention().tilesSkipped(), t.rank()};
      }));
    }
    Object[] first = null;
    long computed = 0, skipped = 0;
    try {
      // wait in completion order so a failing worker stops the others instead of leaving them blocked on the ring
      for (int done = 0; done < sp; done++) {
        Future<Object[]> f = completion.take();
        Object[] r = f.get();
        if ((Integer) r[4] == 0) first = r;
        computed += (Long) r[2];
        skipped += (Long) r[3];
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the ring workers ran", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) throw re;
      throw new IllegalStateException("ring worker failed: " + cause, cause);
    } finally {
      // a failed worker leaves the others blocked on the ring: interrupt whatever is still running
      for (Future<Object[]> f : futures) f.cancel(true);
    }
    double[] sums = (double[]) first[0];
    double textLoss = weightSums[0] > 0 ? sums[2] / weightSums[0] : 0;
    double visionLoss = weightSums[1] > 0 ? sums[3] / weightSums[1] : 0;
    return new Result(sums[0] + sums[1], textLoss, visionLoss, weightSums[0], weightSums[1], (Parameters) first[1],
        logits, computed, skipped);
  }
}
