package org.lwm.core.numeric;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * The project's one single-precision matrix product, row-major, as in BLAS:
 * {@code C = alpha·op(A)·op(B) + beta·C}, op(X) = X or Xᵀ, A is m×k and B is k×n after op, leading dimensions
 * lda/ldb/ldc. Everything that multiplies matrices (the VQGAN's convolutions and quantiser, the trainer's linear
 * layers and attention tiles) goes through it, so there is one place that picks the kernel and one owner of
 * OpenBLAS's process-wide thread count ({@link #useCallers}, {@link #useThreads}).
 *
 * <p>Operands are direct (off-heap) float buffers read from position 0, because a native BLAS reads them in
 * place; the {@code float[]} overload copies only the range each operand spans into per-thread direct scratch
 * (JNI would copy whole arrays: a layer's activation for every small tile). Calls may come from several
 * threads at once; each runs on the calling thread plus OpenBLAS's own threads.
 */
public interface Gemm {
  void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, FloatBuffer a, int lda, FloatBuffer b,
      int ldb, float beta, FloatBuffer c, int ldc);

  /** What computes the products, for logs. */
  String name();

  /** {@code C = A·B + beta·C} on direct buffers, no transposes. */
  default void sgemm(int m, int n, int k, FloatBuffer a, int lda, FloatBuffer b, int ldb, float beta, FloatBuffer c, int ldc) {
    sgemm(false, false, m, n, k, 1f, a, lda, b, ldb, beta, c, ldc);
  }

  /** The product on Java arrays, operands at offsets: copies the spanned ranges in, and C's range back. */
  default void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, float[] a, int aOff, int lda,
      float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    if (m == 0 || n == 0) return;
    if (k == 0) {
      if (beta != 1f) for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) c[cOff + i * ldc + j] *= beta;
      return;
    }
    int aSpan = transA ? Scratch.span(k, m, lda) : Scratch.span(m, k, lda);
    int bSpan = transB ? Scratch.span(n, k, ldb) : Scratch.span(k, n, ldb);
    int cSpan = Scratch.span(m, n, ldc);
    Scratch s = Scratch.get();
    FloatBuffer pa = s.buffer(0, aSpan), pb = s.buffer(1, bSpan), pc = s.buffer(2, cSpan);
    pa.put(0, a, aOff, aSpan);
    pb.put(0, b, bOff, bSpan);
    if (beta != 0f) pc.put(0, c, cOff, cSpan);
    sgemm(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    if (ldc == n || beta != 0f) {
      pc.get(0, c, cOff, cSpan);
    } else {
      // beta = 0 and C is strided: copy back only its rows, never the gaps between them (they were not copied in)
      for (int i = 0; i < m; i++) pc.get(i * ldc, c, cOff + i * ldc, n);
    }
  }

  /** A zeroed direct float buffer in the machine's byte order. */
  static FloatBuffer allocate(int floats) {
    return ByteBuffer.allocateDirect(Math.multiplyExact(floats, 4)).order(ByteOrder.nativeOrder()).asFloatBuffer();
  }

  /**
   * OpenBLAS when its native library loads on this machine, else the plain Java kernel; {@code -Dlwm.gemm=java}
   * (or LWM_GEMM=java) forces the latter.
   */
  static Gemm best() {
    return Kernels.BEST;
  }

  /** The plain Java product: the fallback where OpenBLAS cannot load, and a second opinion in tests. */
  static Gemm plainJava() {
    return Kernels.JAVA;
  }

  /**
   * Sizes OpenBLAS's thread pool for {@code callers} threads that call it at the same time: the cores divided
   * among them (concurrent multi-threaded OpenBLAS calls serialise and contend, so callers that already run one
   * per core, like the VQGAN's tiles or ring workers in one JVM, each get one thread).
   */
  static void useCallers(int callers) {
    BlasThreads.useCallers(callers);
  }

  /** OpenBLAS's thread count for this process, e.g. a Spark task's {@code spark.task.cpus}; {@code -Dlwm.blas.threads} wins. */
  static void useThreads(int threads) {
    BlasThreads.use(threads);
  }

  /** The thread count each caller has (what OpenBLAS was last set to, else the processors). */
  static int threads() {
    return BlasThreads.current();
  }

  /** The two kernels, each made once per JVM. */
  final class Kernels {
    static final Gemm JAVA = new JavaGemm();
    static final Gemm BEST = choose();

    private Kernels() {}

    private static Gemm choose() {
      String forced = System.getProperty("lwm.gemm", System.getenv().getOrDefault("LWM_GEMM", ""));
      if (!"java".equalsIgnoreCase(forced)) {
        try {
          return new OpenBlasGemm();
        } catch (Throwable e) { // UnsatisfiedLinkError, NoClassDefFoundError on an unsupported platform
          System.err.println("gemm: OpenBLAS is not usable here (" + e + "); matrix products fall back to the plain Java kernel (much slower)");
        }
      }
      return JAVA;
    }
  }
}
