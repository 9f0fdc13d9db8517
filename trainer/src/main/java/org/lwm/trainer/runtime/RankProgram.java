package org.lwm.trainer.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.lwm.core.cli.UserError;
import org.lwm.core.records.PackedRow;
import org.lwm.core.spark.Hadoop;
import org.lwm.packing.read.PackedReader;
import org.lwm.packing.read.PackedRowFile;
import org.lwm.trainer.model.LlamaWorker;
import org.lwm.trainer.model.ModelConfig;
import org.lwm.trainer.model.Parameters;
import org.lwm.trainer.model.SequenceParallel;
import org.lwm.trainer.ring.TimedTransport;
import org.lwm.trainer.ring.Transport;
import org.lwm.trainer.train.AdamW;
import org.lwm.trainer.train.StepMetrics;

/**
 * What one worker of the dp × sp grid does for a {@link Segment}, the same whether it is a thread or a Spark task
 * (SPMD): load the segment's start state (every rank holds the whole model and optimizer), then per step take its
 * data-parallel share of the global batch from the stage's rows ({@link PackedReader}: rank d takes rows d, d+dp, …
 * of the step), run its sequence shard of each row through {@link LlamaWorker} on the sp ring, sum the loss terms
 * and gradients over the sp ring then the dp ring (so every rank holds the same bits), clip and apply AdamW. Rank 0
 * writes the checkpoint at the segment's end. Time waiting on either ring is the step's communication wait.
 */
public final class RankProgram {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RankProgram() {}

  /**
   * @param onStep called by rank 0 after each step (null: none)
   * @return the segment's step metrics (every rank computes the same losses; rank 0's timing is the one reported)
   */
  public static List<StepMetrics> run(Segment seg, int dpRank, Transport spRing, Transport dpRing,
      Consumer<StepMetrics> onStep) throws InterruptedException {
    SequenceParallel.Options o = seg.parallel();
    int sp = o.sp(), spRank = spRing.rank();
    boolean rankZero = dpRank == 0 && spRank == 0;
    TimedTransport spT = new TimedTransport(spRing), dpT = new TimedTransport(dpRing);

    AdamW opt;
    Parameters params;
    if (seg.resumeFrom() != null) {
      params = RunDirectory.read(seg.resumeFrom(), null);
      opt = new AdamW(params, seg.beta1(), seg.beta2(), seg.eps(), seg.weightDecay());
      RunDirectory.read(seg.resumeFrom(), opt);
      opt.step = seg.fromStep();
    } else {
      Parameters start = seg.initFrom() != null ? RunDirectory.read(seg.initFrom(), null) : Parameters.init(seg.initModel(), seg.seed());
      // the stage's θ and length go into the model config (and so into config.json of its checkpoints)
      ModelConfig cfg = start.config.withRopeTheta(seg.ropeTheta()).withMaxPositions(Math.max(start.config.maxPositions(), seg.seqLen()));
      params = Parameters.zeros(cfg);
      params.copyFrom(start);
      opt = new AdamW(params, seg.beta1(), seg.beta2(), seg.eps(), seg.weightDecay());
    }
    ModelConfig cfg = params.config;

    List<StepMetrics> out = new ArrayList<>();
    try (PackedRowFile rows = PackedRowFile.open(Hadoop.conf(), seg.rowsUri())) {
      PackedReader reader = new PackedReader(rows, 0, dpRank, seg.dp());
      reader.restore(PackedReader.Cursor.parse(seg.cursor()));
      int perRank = seg.sequencesPerStep() / seg.dp();
      Parameters grads = Parameters.zeros(cfg);
      LlamaWorker worker = new LlamaWorker(cfg, params, grads, spT, o.queryChunk(), o.keyChunk(), o.lossChunk(), o.recompute(), 1024);
      while (opt.step < seg.toStep()) {
        long t0 = System.nanoTime();
        spT.takeWaitSeconds();
        dpT.takeWaitSeconds();
        List<PackedRow> batch = new ArrayList<>();
        for (int i = 0; i < perRank; i++) {
          PackedRow r = reader.next();
          if (r.length() != seg.seqLen()) {
            throw new UserError("row " + r.seqId() + " has " + r.length() + " positions, stage " + seg.stage()
                + " has seq_len " + seg.seqLen() + ": pack the stage at that length");
          }
          try {
            o.layout().check(r.length(), sp);
          } catch (IllegalArgumentException e) {
            throw new UserError("row " + r.seqId() + ": " + e.getMessage());
          }
          batch.add(r);
        }
        // the loss's normalisers are over the global batch: Σw of every dp rank's rows
        double[] sums = SequenceParallel.weightSums(batch);
        dpT.allReduceSum(sums);
        if (sums[0] <= 0 && sums[1] <= 0) {
          throw new UserError("a batch of stage " + seg.stage() + " has no loss weight at all: check the packer's loss_weight");
        }
        boolean both = sums[0] > 0 && sums[1] > 0;
        float textScale = sums[0] > 0 ? (float) ((both ? 0.5 : 1.0) / sums[0]) : 0f;
        float visionScale = sums[1] > 0 ? (float) ((both ? 0.5 : 1.0) / sums[1]) : 0f;
        grads.zero();
        double[] loss = new double[4];
        for (PackedRow row : batch) {
          int[] index = o.layout().positions(row.length(), sp, spRank);
          PackedRow s = o.layout().shard(row, sp, spRank);
          float[] coef = new float[index.length];
          for (int p = 0; p < index.length; p++) coef[p] = s.lossWeight()[p] * (s.targetVision()[p] ? visionScale : textScale);
          LlamaWorker.Shard shard = new LlamaWorker.Shard(row.seqId(), index, s.inputIds(), s.inputVision(),
              s.targetIds(), s.targetVision(), coef, s.segmentIds(), s.positionIds());
          double[] l = worker.run(shard, s.lossWeight(), true, null);
          for (int k = 0; k < 4; k++) loss[k] += l[k];
        }
        spT.allReduceSum(loss);
        dpT.allReduceSum(loss);
        float[] flat = flatten(grads);
        spT.allReduceSum(flat);
        dpT.allReduceSum(flat);
        unflatten(flat, grads);
        double norm = AdamW.clip(grads, seg.clip());
        double lr = seg.schedule().at((int) opt.step + 1);
        opt.update(params, grads, lr);
        double seconds = (System.nanoTime() - t0) / 1e9, wait = spT.takeWaitSeconds() + dpT.takeWaitSeconds();
        StepMetrics m = new StepMetrics(seg.stage(), (int) opt.step, seg.totalSteps(), loss[0] + loss[1],
            sums[0] > 0 ? loss[2] / sums[0] : 0, sums[1] > 0 ? loss[3] / sums[1] : 0, sums[0] > 0, sums[1] > 0, lr, norm,
            (long) seg.sequencesPerStep() * seg.seqLen(), seconds, seconds - wait, wait);
        out.add(m);
        if (rankZero && onStep != null) onStep.accept(m);
      }
      if (rankZero && (seg.checkpointAtEnd() || seg.finishesStage())) {
        ObjectNode st = JSON.createObjectNode();
        st.put("stage", seg.stage());
        st.put("step", opt.step);
        st.put("reader_cursor", reader.cursor().encode());
        st.put("seed", seg.seed());
        st.put("dp", seg.dp());
        if (seg.finishesStage()) st.put("done", true);
        String dir = seg.finishesStage() ? new RunDirectory(seg.runDir()).finalCheckpoint(seg.stage())
            : new RunDirectory(seg.runDir()).checkpoint(seg.stage(), opt.step);
        RunDirectory.write(dir, params, seg.finishesStage() ? null : opt, st);
      }
    } catch (java.io.IOException e) {
      throw new UserError("rows " + seg.rowsUri() + ": " + e.getMessage());
    }
    return out;
  }

  private static float[] flatten(Parameters p) {
    int n = 0;
    for (float[] a : p.named().values()) n += a.length;
    float[] flat = new float[n];
    int off = 0;
    for (float[] a : p.named().values()) {
      System.arraycopy(a, 0, flat, off, a.length);
      off += a.length;
    }
    return flat;
  }

  private static void unflatten(float[] flat, Parameters p) {
    int off = 0;
    for (float[] a : p.named().values()) {
      System.arraycopy(flat, off, a, 0, a.length);
      off += a.length;
    }
  }
}
