package org.lwm.core.numeric;

import java.nio.FloatBuffer;
import org.bytedeco.openblas.global.openblas_nolapack;

/** SGEMM from OpenBLAS (bytedeco's preset, which bundles the library; the no-LAPACK build is all we need). */
final class OpenBlasGemm implements Gemm {
  OpenBlasGemm() {
    org.bytedeco.javacpp.Loader.load(openblas_nolapack.class); // fails here, not at the first product, where it cannot load
  }

  @Override
  public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, FloatBuffer a, int lda, FloatBuffer b,
      int ldb, float beta, FloatBuffer c, int ldc) {
    openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
        transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
        transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }

  @Override
  public String name() {
    return "OpenBLAS (org.bytedeco:openblas, " + Gemm.threads() + " threads per caller)";
  }
}
