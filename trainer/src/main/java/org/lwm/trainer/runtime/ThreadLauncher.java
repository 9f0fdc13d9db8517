package org.lwm.trainer.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.lwm.core.numeric.Gemm;
import org.lwm.trainer.ring.LocalRing;
import org.lwm.trainer.train.StepMetrics;

/**
 * The dp × sp ranks as threads of this JVM (a local Spark master): one {@link LocalRing} per sp group and per dp
 * group, OpenBLAS's threads shared out among the ranks. A failing rank stops the others (their futures are
 * interrupted) and its error is the segment's.
 */
public final class ThreadLauncher implements Launcher {
  /** Threads are kept between segments, so their native GEMM scratch buffers are reused. */
  private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
    Thread th = new Thread(r, "rank-worker");
    th.setDaemon(true);
    return th;
  });

  @Override
  public List<StepMetrics> run(Segment seg, Consumer<StepMetrics> onStep) {
    int dp = seg.dp(), sp = seg.parallel().sp();
    Gemm.useCallers(dp * sp);
    LocalRing[] spRings = new LocalRing[dp], dpRings = new LocalRing[sp];
    for (int d = 0; d < dp; d++) spRings[d] = new LocalRing(sp);
    for (int s = 0; s < sp; s++) dpRings[s] = new LocalRing(dp);
    ExecutorCompletionService<List<StepMetrics>> done = new ExecutorCompletionService<>(POOL);
    List<Future<List<StepMetrics>>> futures = new ArrayList<>();
    for (int g = 0; g < dp * sp; g++) {
      int d = g / sp, s = g % sp;
      futures.add(done.submit(() -> RankProgram.run(seg, d, spRings[d].worker(s), dpRings[s].worker(d), d == 0 && s == 0 ? onStep : null)));
    }
    List<StepMetrics> first = null;
    try {
      // in completion order, so a failing rank stops the others instead of leaving them blocked on a ring
      for (int i = 0; i < futures.size(); i++) {
        Future<List<StepMetrics>> f = done.take();
        List<StepMetrics> m = f.get();
        if (f == futures.get(0)) first = m;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the ranks ran", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) throw re;
      throw new IllegalStateException("rank failed: " + cause, cause);
    } finally {
      for (Future<List<StepMetrics>> f : futures) f.cancel(true);
    }
    return first;
  }
}
