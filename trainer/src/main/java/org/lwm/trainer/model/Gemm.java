package org.lwm.trainer.model;

import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas.CblasTrans;

import java.nio.FloatBuffer;
import org.bytedeco.openblas.global.openblas;

/**
 * The one float32 matrix product the trainer uses, row-major: C[off..] = alpha·op(A)·op(B) + beta·C, with
 * op(X) = X or Xᵀ, A is M×K, B is K×N after op, leading dimensions as in BLAS. Backed by OpenBLAS's
 * {@code cblas_sgemm} (bytedeco preset): a tuned kernel runs several times faster than plain Java loops on
 * these CPUs, and the matmuls dominate a training step. Offsets go through heap buffers, which JavaCPP
 * passes to native code at their position without copying the whole array's header.
 */
public final class Gemm {
  private Gemm() {}

  public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
    if (m == 0 || n == 0) return;
    if (k == 0) {
      if (beta != 1f) for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) c[cOff + i * ldc + j] *= beta;
      return;
    }
    openblas.cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
        m, n, k, alpha, FloatBuffer.wrap(a, aOff, a.length - aOff), lda, FloatBuffer.wrap(b, bOff, b.length - bOff), ldb,
        beta, FloatBuffer.wrap(c, cOff, c.length - cOff), ldc);
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
