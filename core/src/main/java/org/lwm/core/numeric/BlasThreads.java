package org.lwm.core.numeric;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;

/** OpenBLAS's process-wide thread count: set only here, and only when it changes. */
final class BlasThreads {
  private static int threads = -1;

  private BlasThreads() {}

  static synchronized void useCallers(int callers) {
    use(Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, callers)));
  }

  static synchronized void use(int wanted) {
    int n = Integer.getInteger("lwm.blas.threads", Math.max(1, wanted));
    if (n == threads) return;
    if (Gemm.best() instanceof OpenBlasGemm) {
      Loader.load(openblas_nolapack.class); // the native library must be loaded before it is configured
      org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(n);
    }
    threads = n;
  }

  static synchronized int current() {
    return threads > 0 ? threads : Integer.getInteger("lwm.blas.threads", Runtime.getRuntime().availableProcessors());
  }
}
