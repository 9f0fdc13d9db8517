package org.lwm.trainer.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.lwm.core.records.PackedRow;
import org.lwm.core.records.SequenceLayout;
import org.lwm.trainer.model.ModelConfig;
import org.lwm.trainer.model.Parameters;
import org.lwm.trainer.model.SequenceParallel;
import org.lwm.trainer.train.AdamW;

/**
 * Times full training steps (forward, backward, clipping, AdamW) of one row of L tokens, one segment, on a
 * random model: what bench/trainer.sh compares with PyTorch. Prints one line per setting:
 * {@code ours L=.. sp=.. layout=.. tokens/s=.. step_s=.. peak_heap_mb=..}.
 *
 * <p>usage: TrainStepBenchmark L sp layout steps [hidden layers heads vocab intermediate]
 */
public final class TrainStepBenchmark {
  private TrainStepBenchmark() {}

  public static void main(String[] args) {
    int len = Integer.parseInt(args[0]), sp = Integer.parseInt(args[1]);
    SequenceLayout layout = SequenceLayout.parse(args[2]);
    int steps = Integer.parseInt(args[3]);
    int d = args.length > 4 ? Integer.parseInt(args[4]) : 256, layers = args.length > 5 ? Integer.parseInt(args[5]) : 4;
    int heads = args.length > 6 ? Integer.parseInt(args[6]) : 8, vocab = args.length > 7 ? Integer.parseInt(args[7]) : 8000;
    int inter = args.length > 8 ? Integer.parseInt(args[8]) : 688;
    int chunk = Integer.parseInt(System.getProperty("bench.chunk", "512"));
    ModelConfig c = new ModelConfig(vocab, 0, d, inter, layers, heads, heads, 10000, 1e-5, len);
    Parameters p = Parameters.init(c, 1);
    AdamW opt = new AdamW(p, 0.9, 0.95, 1e-8, 0.1);
    Random r = new Random(2);
    int[] in = new int[len], tg = new int[len];
    for (int i = 0; i < len; i++) {
      in[i] = r.nextInt(vocab);
      tg[i] = r.nextInt(vocab);
    }
    List<PackedRow> rows = List.of(PackedRow.text(0, in, tg));
    boolean recompute = Boolean.getBoolean("bench.recompute");
    SequenceParallel.Options o = new SequenceParallel.Options(sp, layout, chunk, chunk, 256, recompute);
    step(c, p, opt, rows, o); // warm-up
    System.gc();
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) if (pool.getType() == MemoryType.HEAP) pool.resetPeakUsage();
    long t0 = System.nanoTime();
    for (int s = 0; s < steps; s++) step(c, p, opt, rows, o);
    double sec = (System.nanoTime() - t0) / 1e9 / steps;
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) if (pool.getType() == MemoryType.HEAP) peak += pool.getPeakUsage().getUsed();
    System.out.printf(Locale.ROOT, "ours   L=%d sp=%d layout=%s%s tokens/s=%.1f step_s=%.3f peak_heap_mb=%.0f%n", len, sp,
        layout.name().toLowerCase(), recompute ? " recompute" : "", len / sec, sec, peak / 1e6);
  }

  private static void step(ModelConfig c, Parameters p, AdamW opt, List<PackedRow> rows, SequenceParallel.Options o) {
    SequenceParallel.Result res = SequenceParallel.run(c, p, rows, o, true, false);
    AdamW.clip(res.grads(), 1.0);
    opt.update(p, res.grads(), 1e-4);
  }
}
