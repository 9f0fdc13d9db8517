package org.lwm.trainer.model;

import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas.CblasTrans;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;

/**
 * The one float32 matrix product the trainer uses, row-major: C[off..] = alpha·op(A)·op(B) + beta·C, with
 * op(X) = X or Xᵀ, A is M×K, B is K×N after op, leading dimensions as in BLAS. Backed by OpenBLAS's
 * {@code cblas_sgemm} (bytedeco preset): a tuned kernel runs several times faster than plain Java loops on
 * these CPUs, and the matmuls dominate a training step.
 *
 * <p>Java arrays handed to JNI are copied whole (HotSpot's Get&lt;Float&gt;ArrayElements), which would copy a
 * layer's entire activation for every small attention tile. So only the range each operand touches is copied
 * into per-thread native buffers, and only C's range is copied back.
 */
public final class Gemm {
  private Gemm() {}

  /** Per-thread native scratch for A, B and C, grown on demand. */
  private static final class Scratch {
    final FloatPointer[] buf = new FloatPointer[3];
    final long[] cap = new long[3];

    FloatPointer get(int which, long n) {
      if (cap[which] < n) {
        if (buf[which] != null) buf[which].close();
        long c = Math.max(n, cap[which] * 3 / 2);
        buf[which] = new FloatPointer(c);
        cap[which] = c;
      }
      return buf[which];
    }
  }

  private static int blasThreads = -1;

  /**
   * Sizes OpenBLAS's own thread pool for {@code callers} threads calling it at once: the cores divided among
   * them (OpenBLAS serialises concurrent multi-threaded calls, so sp ring workers each get one thread).
   */
  public static synchronized void useCallers(int callers) {
    useThreads(Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, callers)));
  }

  /** OpenBLAS's thread count for this process ({@code -Dlwm.blas.threads} wins): a Spark task's {@code spark.task.cpus}. */
  public static synchronized void useThreads(int wanted) {
    int threads = Integer.getInteger("lwm.blas.threads", Math.max(1, wanted));
    if (threads != blasThreads) {
      org.bytedeco.javacpp.Loader.load(openblas.class); // the native library must be loaded before it is configured
      org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(threads);
      blasThreads = threads;
    }
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  /** Elements spanned by a row-major rows×cols matrix with leading dimension ld. */
  private static int span(int rows, int cols, int ld) {
    return (rows - 1) * ld + cols;
  }

  public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    if (m == 0 || n == 0) return;
    if (k == 0) {
      if (beta != 1f) for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) c[cOff + i * ldc + j] *= beta;
      return;
    }
    int aSpan = transA ? span(k, m, lda) : span(m, k, lda);
    int bSpan = transB ? span(n, k, ldb) : span(k, n, ldb);
    int cSpan = span(m, n, ldc);
    Scratch s = SCRATCH.get();
    FloatPointer pa = s.get(0, aSpan), pb = s.get(1, bSpan), pc = s.get(2, cSpan);
    pa.position(0).put(a, aOff, aSpan);
    pb.position(0).put(b, bOff, bSpan);
    if (beta != 0f) pc.position(0).put(c, cOff, cSpan);
    openblas.cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
        m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    if (ldc == n || beta != 0f) {
      pc.position(0).get(c, cOff, cSpan);
    } else {
      // beta = 0 and C is strided: copy back only its rows, never the gaps between them (they were not copied in)
      for (int i = 0; i < m; i++) pc.position((long) i * ldc).get(c, cOff + i * ldc, n);
      pc.position(0);
    }
  }

  /** y[T,out] (+)= x[T,in] · W[out,in]ᵀ: a PyTorch {@code nn.Linear} without bias. */
  public static void linear(float[] x, float[] w, float[] y, int t, int in, int out, boolean accumulate) {
    sgemm(false, true, t, out, in, 1f, x, 0, in, w, 0, in, accumulate ? 1f : 0f, y, 0, out);
  }

  /** Backward of {@link #linear}: dx[T,in] (+)= dy·W and dW[out,in] += dyᵀ·x. */
  public static void linearBackward(float[] x, float[] w, float[] dy, float[] dx, float[] dw, int t, int in, int out,
      boolean accumulateDx) {
    if (dx != null) sgemm(false, false, t, in, out, 1f, dy, 0, out, w, 0, in, accumulateDx ? 1f : 0f, dx, 0, in);
    if (dw != null) sgemm(true, false, out, in, t, 1f, dy, 0, out, x, 0, in, 1f, dw, 0, in);
  }
}
