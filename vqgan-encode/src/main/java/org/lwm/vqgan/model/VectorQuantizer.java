package org.lwm.vqgan.model;

import java.nio.FloatBuffer;
import org.lwm.core.numeric.Gemm;

/**
 * LWM's VectorQuantizer: each latent vector's code is the index of the nearest codebook row by Euclidean
 * distance, the first on a tie (jnp.argmin). Distances as LWM writes them, ‖z‖² + ‖e‖² − 2·z·e, with the
 * products z·eᵀ as one GEMM per tile of latents; ‖z‖² is the same for every code and left out of the argmin.
 */
public final class VectorQuantizer {
  private static final int TILE = 64;
  private static final ThreadLocal<FloatBuffer[]> SCRATCH = ThreadLocal.withInitial(() -> new FloatBuffer[2]);

  private final int codes;
  private final int dim;
  private final float[] embeddings; // [codes × dim]
  private final FloatBuffer transposed; // [dim × codes]
  private final float[] squaredNorms;
  private final Gemm gemm;

  public VectorQuantizer(float[] embeddings, int codes, int dim, Gemm gemm) {
    this.codes = codes;
    this.dim = dim;
    this.embeddings = embeddings.clone();
    this.gemm = gemm;
    transposed = Gemm.allocate(codes * dim);
    squaredNorms = new float[codes];
    for (int i = 0; i < codes; i++) {
      double s = 0;
      for (int d = 0; d < dim; d++) {
        float v = embeddings[i * dim + d];
        transposed.put(d * codes + i, v);
        s += (double) v * v;
      }
      squaredNorms[i] = (float) s;
    }
  }

  public int codebookSize() {
    return codes;
  }

  /** The code of every latent vector, in NHW order (row-major per image). */
  public int[] codes(FeatureMap z) {
    if (z.c != dim) throw new IllegalArgumentException("quantiser expects " + dim + "-wide latents, got " + z.c);
    int m = z.pixels();
    int[] out = new int[m];
    int tiles = (m + TILE - 1) / TILE;
    Parallel.forEach(tiles, t -> {
      int p0 = t * TILE;
      int rows = Math.min(TILE, m - p0);
      FloatBuffer[] s = SCRATCH.get();
      if (s[0] == null || s[0].capacity() < TILE * dim) s[0] = Gemm.allocate(TILE * dim);
      if (s[1] == null || s[1].capacity() < TILE * codes) s[1] = Gemm.allocate(TILE * codes);
      s[0].put(0, z.data, p0 * dim, rows * dim);
      gemm.sgemm(rows, codes, dim, s[0], dim, transposed, codes, 0f, s[1], codes);
      float[] dots = new float[codes];
      for (int r = 0; r < rows; r++) {
        s[1].get(r * codes, dots, 0, codes);
        int best = 0;
        float bestD = Float.POSITIVE_INFINITY;
        for (int i = 0; i < codes; i++) {
          float d = squaredNorms[i] - 2f * dots[i];
          if (d < bestD) {
            bestD = d;
            best = i;
          }
        }
        out[p0 + r] = best;
      }
    });
    return out;
  }

  /** The codebook rows for the given codes, as n maps of side×side. */
  public FeatureMap lookup(int[] codesNhw, int n, int side) {
    FeatureMap out = new FeatureMap(n, side, side, dim);
    if (codesNhw.length != n * side * side) throw new IllegalArgumentException(codesNhw.length + " codes do not make " + n + " grids of " + side + "x" + side);
    for (int p = 0; p < codesNhw.length; p++) {
      int code = codesNhw[p];
      if (code < 0 || code >= codes) throw new IllegalArgumentException("code " + code + " is outside the codebook (0…" + (codes - 1) + ")");
      System.arraycopy(embeddings, code * dim, out.data, p * dim, dim);
    }
    return out;
  }
}
