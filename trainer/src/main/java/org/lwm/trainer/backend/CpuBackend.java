package org.lwm.trainer.backend;

import org.lwm.core.numeric.Gemm;

/**
 * The backend on this machine's cores: matrix products through the project's {@link Gemm} (OpenBLAS), the
 * elementwise layers in {@link Kernels}, attention tiles in {@link CpuAttention}.
 */
final class CpuBackend implements Backend {
  static final CpuBackend INSTANCE = new CpuBackend();

  private final Gemm gemm = Gemm.best();
  private final CpuAttention attention = new CpuAttention(gemm);

  private CpuBackend() {}

  @Override
  public String name() {
    return "cpu (" + gemm.name() + ")";
  }

  @Override
  public void linearForward(float[] x, int xOff, float[] w, float[] y, int yOff, int rows, int in, int out, boolean accumulate) {
    if (rows <= Kernels.FEW_ROWS) Kernels.linearFewRows(x, xOff, w, y, yOff, rows, in, out, accumulate);
    else gemm.sgemm(false, true, rows, out, in, 1f, x, xOff, in, w, 0, in, accumulate ? 1f : 0f, y, yOff, out);
  }

  @Override
  public void linearBackward(float[] x, int xOff, float[] w, float[] dy, int dyOff, float[] dx, int dxOff, float[] dw, int rows,
      int in, int out, boolean accumulateDx) {
    // forward was y = x·Wᵀ, so dx = dy·W and dW = dyᵀ·x
    if (dx != null) gemm.sgemm(false, false, rows, in, out, 1f, dy, dyOff, out, w, 0, in, accumulateDx ? 1f : 0f, dx, dxOff, in);
    if (dw != null) gemm.sgemm(true, false, out, in, rows, 1f, dy, dyOff, out, x, xOff, in, 1f, dw, 0, in);
  }

  @Override
  public void rmsnormForward(float[] x, float[] w, float[] out, float[] rstd, int t, int d, double eps) {
    Kernels.rmsnormForward(x, w, out, rstd, t, d, eps);
  }

  @Override
  public void rmsnormBackward(float[] x, float[] w, float[] rstd, float[] dy, float[] dx, float[] dw, int t, int d) {
    Kernels.rmsnormBackward(x, w, rstd, dy, dx, dw, t, d);
  }

  @Override
  public void ropeForward(float[] x, int[] positions, int t, int heads, int hd, double theta) {
    Kernels.rope(x, positions, t, heads, hd, theta, false);
  }

  @Override
  public void ropeBackward(float[] dx, int[] positions, int t, int heads, int hd, double theta) {
    Kernels.rope(dx, positions, t, heads, hd, theta, true);
  }

  @Override
  public void swigluForward(float[] g, float[] u, float[] h, int n) {
    Kernels.swigluForward(g, u, h, n);
  }

  @Override
  public void swigluBackward(float[] g, float[] u, float[] dh, float[] dg, float[] du, int n) {
    Kernels.swigluBackward(g, u, dh, dg, du, n);
  }

  @Override
  public double crossEntropyForwardBackward(float[] z, int off, int v, int target, float c) {
    return Kernels.crossEntropyInPlace(z, off, v, target, c);
  }

  @Override
  public void attentionForwardBegin(AttentionShape a, int t, float[] m, float[] l, float[] out) {
    attention.forwardBegin(a, t, m, l, out);
  }

  @Override
  public long[] attentionForward(AttentionShape a, float[] q, int[] qIndex, int[] qSegment, int t, float[] k, float[] v,
      int[] kIndex, int[] kSegment, int tk, float[] m, float[] l, float[] out) {
    if (t <= CpuAttention.FEW_QUERIES) return attention.forwardFewQueries(a, q, qIndex, qSegment, t, k, v, kIndex, kSegment, tk, m, l, out);
    return attention.forward(a, q, qIndex, qSegment, t, k, v, kIndex, kSegment, tk, m, l, out);
  }

  @Override
  public void attentionForwardEnd(AttentionShape a, int t, float[] m, float[] l, float[] out, float[] lse) {
    attention.forwardEnd(a, t, m, l, out, lse);
  }

  @Override
  public void attentionBackwardBegin(AttentionShape a, int t, float[] out, float[] dOut, float[] rowDot, float[] dq) {
    attention.backwardBegin(a, t, out, dOut, rowDot, dq);
  }

  @Override
  public void attentionBackward(AttentionShape a, float[] q, int[] qIndex, int[] qSegment, int t, float[] k, float[] v,
      int[] kIndex, int[] kSegment, int tk, float[] lse, float[] rowDot, float[] dOut, float[] dq, float[] dk, float[] dv) {
    attention.backward(a, q, qIndex, qSegment, t, k, v, kIndex, kSegment, tk, lse, rowDot, dOut, dq, dk, dv);
  }

  @Override
  public void adamwUpdate(float[] p, float[] g, float[] m, float[] v, double lr, float beta1, float beta2, double eps, float decay,
      double c1, double c2) {
    for (int i = 0; i < p.length; i++) {
      m[i] = beta1 * m[i] + (1 - beta1) * g[i];
      v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
      double mhat = m[i] / c1, vhat = v[i] / c2;
      p[i] -= (float) (lr * (mhat / (Math.sqrt(vhat) + eps) + decay * p[i]));
    }
  }
}
