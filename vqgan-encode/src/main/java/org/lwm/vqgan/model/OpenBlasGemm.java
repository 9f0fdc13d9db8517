package org.lwm.vqgan.model;

import java.nio.FloatBuffer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * SGEMM from OpenBLAS (bytedeco's preset, which bundles the library; the no-LAPACK build is all we need).
 * OpenBLAS's own threads are turned off: the callers already run one tile per core, and two layers of
 * threading over the same cores only contend.
 */
final class OpenBlasGemm implements Gemm {
  OpenBlasGemm() {
    openblas_nolapack.blas_set_num_threads(1);
  }

  @Override
  public void sgemm(int m, int n, int k, FloatBuffer a, int lda, FloatBuffer b, int ldb, float beta, FloatBuffer c, int ldc) {
    openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans, openblas_nolapack.CblasNoTrans,
        m, n, k, 1f, a, lda, b, ldb, beta, c, ldc);
  }

  @Override
  public String name() {
    return "OpenBLAS (org.bytedeco:openblas, single-threaded calls)";
  }
}
