package org.lwm.vqgan.model;

import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;
import org.lwm.core.numeric.Gemm;

/**
 * The worker threads of the model: one pool per JVM, so Spark tasks that encode at the same time share the
 * cores instead of each starting its own threads. Its size is {@code lwm.vqgan.threads} (system property or
 * LWM_VQGAN_THREADS), else the number of processors.
 */
public final class Parallel {
  private static volatile ForkJoinPool pool;

  private Parallel() {}

  public static int threads() {
    return pool().getParallelism();
  }

  /** Replaces the pool (benchmarks compare at a fixed thread count). */
  public static synchronized void setThreads(int n) {
    if (pool != null && pool.getParallelism() == n) return;
    ForkJoinPool old = pool;
    pool = new ForkJoinPool(Math.max(1, n));
    if (old != null) old.shutdown();
  }

  private static ForkJoinPool pool() {
    ForkJoinPool p = pool;
    if (p == null) {
      synchronized (Parallel.class) {
        if (pool == null) {
          String conf = System.getProperty("lwm.vqgan.threads", System.getenv().getOrDefault("LWM_VQGAN_THREADS", ""));
          pool = new ForkJoinPool(conf.isBlank() ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(conf.trim()));
        }
        p = pool;
      }
    }
    return p;
  }

  /** Runs body(0 … count-1) on the pool and waits; each index is one unit of work (a tile). */
  public static void forEach(int count, IntConsumer body) {
    if (count <= 0) return;
    ForkJoinPool p = pool();
    Gemm.useCallers(p.getParallelism()); // one product per pool thread at a time: each gets its share of the cores
    if (count == 1) {
      body.accept(0);
      return;
    }
    if (Thread.currentThread() instanceof java.util.concurrent.ForkJoinWorkerThread w && w.getPool() == p) { // already inside the pool: stay there
      IntStream.range(0, count).parallel().forEach(body);
      return;
    }
    p.submit(() -> IntStream.range(0, count).parallel().forEach(body)).join();
  }
}
