package org.lwm.core.numeric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Both kernels against a float64 product written here from the definition, with every transpose combination,
 * offsets, strided leading dimensions, alpha and beta; and the thread count the Gemm owns.
 */
class GemmTest {
  @Test
  void bothKernelsMatchTheDefinitionWithTransposesOffsetsAndStrides() {
    assertTrue(Gemm.best() instanceof OpenBlasGemm, "OpenBLAS must load on this machine: " + Gemm.best().name());
    SplittableRandom r = new SplittableRandom(5);
    for (Gemm g : new Gemm[] {Gemm.best(), Gemm.plainJava()}) {
      for (boolean ta : new boolean[] {false, true}) {
        for (boolean tb : new boolean[] {false, true}) {
          check(g, r, ta, tb, 7, 5, 3, 0.5f, 0f);
          check(g, r, ta, tb, 33, 17, 40, 1f, 1f);
          check(g, r, ta, tb, 4, 64, 9, -2f, 0.25f);
        }
      }
    }
  }

  private static void check(Gemm g, SplittableRandom r, boolean ta, boolean tb, int m, int n, int k, float alpha, float beta) {
    int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 5, aOff = 4, bOff = 1, cOff = 6;
    float[] a = random(r, aOff + (ta ? k : m) * lda), b = random(r, bOff + (tb ? n : k) * ldb), c = random(r, cOff + m * ldc);
    float[] before = c.clone();
    g.sgemm(ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double acc = 0;
        for (int p = 0; p < k; p++) {
          double av = ta ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
          double bv = tb ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
          acc += av * bv;
        }
        double want = alpha * acc + beta * before[cOff + i * ldc + j];
        assertEquals(want, c[cOff + i * ldc + j], 1e-4 * (1 + Math.abs(want)), g.name() + " ta=" + ta + " tb=" + tb + " C[" + i + "," + j + "]");
      }
      // the gaps between C's rows are never written
      for (int j = n; j < ldc && i + 1 < m; j++) assertEquals(before[cOff + i * ldc + j], c[cOff + i * ldc + j], "gap");
    }
    for (int i = 0; i < cOff; i++) assertEquals(before[i], c[i], "before C");
  }

  @Test
  void ownsOpenBlasThreadCount() {
    int cores = Runtime.getRuntime().availableProcessors();
    Gemm.useCallers(cores);
    assertEquals(1, Gemm.threads());
    Gemm.useCallers(1);
    assertEquals(cores, Gemm.threads());
    assertEquals(cores, org.bytedeco.openblas.presets.openblas_nolapack.blas_get_num_threads());
  }

  private static float[] random(SplittableRandom r, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
    return x;
  }
}
