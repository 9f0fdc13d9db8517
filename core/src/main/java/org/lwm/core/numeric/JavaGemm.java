package org.lwm.core.numeric;

import java.nio.FloatBuffer;

/**
 * The plain Java product. op(B) is copied into one array and each row of op(A) into another, so the inner loop
 * is a contiguous saxpy the JIT vectorises.
 */
final class JavaGemm implements Gemm {
  @Override
  public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, FloatBuffer a, int lda, FloatBuffer b,
      int ldb, float beta, FloatBuffer c, int ldc) {
    float[] bm = new float[k * n];
    for (int p = 0; p < k; p++) {
      if (transB) for (int j = 0; j < n; j++) bm[p * n + j] = b.get(j * ldb + p);
      else b.get(p * ldb, bm, p * n, n);
    }
    float[] arow = new float[k];
    float[] crow = new float[n];
    for (int i = 0; i < m; i++) {
      if (transA) for (int p = 0; p < k; p++) arow[p] = a.get(p * lda + i);
      else a.get(i * lda, arow, 0, k);
      if (beta == 0f) java.util.Arrays.fill(crow, 0f);
      else {
        c.get(i * ldc, crow, 0, n);
        if (beta != 1f) for (int j = 0; j < n; j++) crow[j] *= beta;
      }
      for (int p = 0; p < k; p++) {
        float av = alpha * arow[p];
        if (av == 0f) continue;
        int bp = p * n;
        for (int j = 0; j < n; j++) crow[j] += av * bm[bp + j];
      }
      c.put(i * ldc, crow, 0, n);
    }
  }

  @Override
  public String name() {
    return "plain Java";
  }
}
