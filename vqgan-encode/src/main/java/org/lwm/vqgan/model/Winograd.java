package org.lwm.vqgan.model;

import java.nio.FloatBuffer;
import org.lwm.core.numeric.Gemm;

/**
 * Winograd F(4×4, 3×3) for a stride-1, SAME-padded 3×3 convolution over NHWC maps: each 6×6 input patch
 * (4×4 outputs and the window's one-pixel border) is transformed ({@code Bᵀ·d·B}), the 36 transformed
 * positions become 36 independent products {@code [tiles × cin]·[cin × cout]} with the transformed kernel
 * ({@code G·g·Gᵀ}, made once), and each 6×6 result is transformed back to 4×4 outputs ({@code Aᵀ·m·A}): 36
 * multiply-adds per 16 outputs and channel pair where im2col needs 144. Matrices of Lavin and Gray, "Fast
 * Algorithms for Convolutional Neural Networks" (2016), interpolation points 0, ±1, ±2, ∞.
 *
 * <p>Work is split into chunks of tiles; a chunk's transforms, its 36 GEMM calls and its back-transforms run
 * on one thread, so its intermediate matrices stay in that core's cache. The transforms run over whole
 * channel vectors (NHWC keeps a pixel's channels contiguous), loops the JIT vectorises. The kernel is
 * transformed in double; float32 results differ from im2col's by rounding only (the tests bound it).
 */
final class Winograd {
  static final int OUT = 4;  // outputs per tile side
  static final int IN = 6;   // inputs per tile side
  static final int POS = IN * IN;

  /** G (6×3): the kernel transform. */
  private static final double[][] G = {
      {1 / 4.0, 0, 0},
      {-1 / 6.0, -1 / 6.0, -1 / 6.0},
      {-1 / 6.0, 1 / 6.0, -1 / 6.0},
      {1 / 24.0, 1 / 12.0, 1 / 6.0},
      {1 / 24.0, -1 / 12.0, 1 / 6.0},
      {0, 0, 1}};

  /** Tiles per chunk: the GEMMs' row count; chunk matrices of 36 × tiles × channels floats stay in L2/L3. */
  private static final int CHUNK_TILES = Integer.getInteger("lwm.vqgan.winograd_tiles", 64);

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private final int cin;
  private final int cout;
  private final FloatBuffer u; // [36][cin][cout]: position ξ = 6a + b is a row-major cin × cout matrix
  private final Gemm gemm;

  /** Transforms an HWIO 3×3 kernel. */
  Winograd(FloatBuffer kernelHwio, int cin, int cout, Gemm gemm) {
    this.cin = cin;
    this.cout = cout;
    this.gemm = gemm;
    int n = cin * cout;
    float[] g = new float[9 * n];
    kernelHwio.get(0, g, 0, g.length);
    u = Gemm.allocate(POS * n);
    float[] row = new float[n];
    double[] coef = new double[9];
    for (int a = 0; a < IN; a++) {
      for (int b = 0; b < IN; b++) {
        for (int ky = 0; ky < 3; ky++) for (int kx = 0; kx < 3; kx++) coef[ky * 3 + kx] = G[a][ky] * G[b][kx];
        for (int i = 0; i < n; i++) {
          double s = 0;
          for (int k = 0; k < 9; k++) s += coef[k] * g[k * n + i];
          row[i] = (float) s;
        }
        u.put((a * IN + b) * n, row);
      }
    }
  }

  /** out = conv(x) + bias (+ residual, same shape as out, when not null). */
  void forward(FeatureMap x, FeatureMap out, float[] bias, float[] residual) {
    int tilesY = (x.h + OUT - 1) / OUT;
    int tilesX = (x.w + OUT - 1) / OUT;
    int tiles = x.n * tilesY * tilesX;
    int per = Math.max(8, Math.min(CHUNK_TILES, (tiles + 2 * Parallel.threads() - 1) / (2 * Parallel.threads())));
    int chunks = (tiles + per - 1) / per;
    Parallel.forEach(chunks, t -> chunk(x, out, bias, residual, tilesY, tilesX, t * per, Math.min(per, tiles - t * per), per));
  }

  private void chunk(FeatureMap x, FeatureMap out, float[] bias, float[] residual, int tilesY, int tilesX, int first, int count, int stride) {
    Scratch s = SCRATCH.get();
    s.ensure(stride, cin, cout);
    float[][] d = s.patch;
    float[][] t1 = s.t1;
    float[][] v = s.v;
    for (int i = 0; i < count; i++) {
      int tile = first + i;
      int img = tile / (tilesY * tilesX);
      int rem = tile - img * tilesY * tilesX;
      int iy0 = (rem / tilesX) * OUT - 1;
      int ix0 = (rem % tilesX) * OUT - 1;
      for (int py = 0; py < IN; py++) {
        for (int px = 0; px < IN; px++) {
          int iy = iy0 + py;
          int ix = ix0 + px;
          if (iy < 0 || iy >= x.h || ix < 0 || ix >= x.w) java.util.Arrays.fill(d[py * IN + px], 0f);
          else System.arraycopy(x.data, ((img * x.h + iy) * x.w + ix) * cin, d[py * IN + px], 0, cin);
        }
      }
      for (int j = 0; j < IN; j++) inputRows(d, j, IN, t1, j, IN, cin);       // t1[a][j] = Σi Bᵀ[a][i]·d[i][j]
      for (int a = 0; a < IN; a++) inputRows(t1, a * IN, 1, v, a * IN, 1, cin); // V[a][b] = Σj t1[a][j]·Bᵀ[b][j]
      for (int p = 0; p < POS; p++) s.vd.put((p * stride + i) * cin, v[p], 0, cin);
    }
    int n = cin * cout;
    for (int p = 0; p < POS; p++) {
      gemm.sgemm(count, cout, cin, s.vd.slice(p * stride * cin, count * cin), cin, u.slice(p * n, n), cout, 0f,
          s.md.slice(p * stride * cout, count * cout), cout);
    }
    float[][] m = s.m;
    float[][] t2 = s.t2;
    float[][] y = s.y;
    float[] row = s.row;
    for (int i = 0; i < count; i++) {
      for (int p = 0; p < POS; p++) s.md.get((p * stride + i) * cout, m[p], 0, cout);
      for (int b = 0; b < IN; b++) outputRows(m, b, IN, t2, b, IN, cout);          // t2[r][b] = Σa Aᵀ[r][a]·M[a][b]
      for (int r = 0; r < OUT; r++) outputRows(t2, r * IN, 1, y, r * OUT, 1, cout); // Y[r][c] = Σb t2[r][b]·Aᵀ[c][b]
      int tile = first + i;
      int img = tile / (tilesY * tilesX);
      int rem = tile - img * tilesY * tilesX;
      int oy0 = (rem / tilesX) * OUT;
      int ox0 = (rem % tilesX) * OUT;
      for (int r = 0; r < OUT && oy0 + r < out.h; r++) {
        for (int c = 0; c < OUT && ox0 + c < out.w; c++) {
          int o = ((img * out.h + oy0 + r) * out.w + ox0 + c) * cout;
          float[] yv = y[r * OUT + c];
          if (residual == null) {
            for (int j = 0; j < cout; j++) row[j] = yv[j] + bias[j];
          } else {
            System.arraycopy(residual, o, row, 0, cout);
            for (int j = 0; j < cout; j++) row[j] += yv[j] + bias[j];
          }
          System.arraycopy(row, 0, out.data, o, cout);
        }
      }
    }
  }

  /*
   * The transforms work on whole channel vectors, each its own array, one loop per output vector: C2 (JDK 17)
   * vectorises a loop whose accesses share one index and which stores to one array, and not one that
   * addresses an array at several offsets or stores to several arrays (it cannot rule out their aliasing). So
   * vectors are copied in and out with System.arraycopy (an intrinsic) rather than addressed inside big arrays.
   */

  /** Bᵀ (6×6) applied to the vectors in[i0 + k·is], k = 0…5, written to out[o0 + k·os]. */
  private static void inputRows(float[][] in, int i0, int is, float[][] out, int o0, int os, int n) {
    float[] d0 = in[i0], d1 = in[i0 + is], d2 = in[i0 + 2 * is], d3 = in[i0 + 3 * is], d4 = in[i0 + 4 * is], d5 = in[i0 + 5 * is];
    float[] r = out[o0];
    for (int c = 0; c < n; c++) r[c] = 4 * d0[c] - 5 * d2[c] + d4[c];
    r = out[o0 + os];
    for (int c = 0; c < n; c++) r[c] = d3[c] + d4[c] - 4 * (d1[c] + d2[c]);
    r = out[o0 + 2 * os];
    for (int c = 0; c < n; c++) r[c] = d4[c] - d3[c] + 4 * (d1[c] - d2[c]);
    r = out[o0 + 3 * os];
    for (int c = 0; c < n; c++) r[c] = d4[c] - d2[c] + 2 * (d3[c] - d1[c]);
    r = out[o0 + 4 * os];
    for (int c = 0; c < n; c++) r[c] = d4[c] - d2[c] + 2 * (d1[c] - d3[c]);
    r = out[o0 + 5 * os];
    for (int c = 0; c < n; c++) r[c] = 4 * d1[c] - 5 * d3[c] + d5[c];
  }

  /** Aᵀ (4×6) applied to the vectors in[i0 + k·is], k = 0…5, written to out[o0 + k·os], k = 0…3. */
  private static void outputRows(float[][] in, int i0, int is, float[][] out, int o0, int os, int n) {
    float[] m0 = in[i0], m1 = in[i0 + is], m2 = in[i0 + 2 * is], m3 = in[i0 + 3 * is], m4 = in[i0 + 4 * is], m5 = in[i0 + 5 * is];
    float[] r = out[o0];
    for (int c = 0; c < n; c++) r[c] = m0[c] + m1[c] + m2[c] + m3[c] + m4[c];
    r = out[o0 + os];
    for (int c = 0; c < n; c++) r[c] = m1[c] - m2[c] + 2 * (m3[c] - m4[c]);
    r = out[o0 + 2 * os];
    for (int c = 0; c < n; c++) r[c] = m1[c] + m2[c] + 4 * (m3[c] + m4[c]);
    r = out[o0 + 3 * os];
    for (int c = 0; c < n; c++) r[c] = m1[c] - m2[c] + 8 * (m3[c] - m4[c]) + m5[c];
  }

  /** Per-thread buffers, grown on demand and kept for the thread's life. */
  private static final class Scratch {
    float[][] patch = new float[POS][0];
    float[][] t1 = new float[POS][0];
    float[][] v = new float[POS][0];
    float[][] m = new float[POS][0];
    float[][] t2 = new float[OUT * IN][0];
    float[][] y = new float[OUT * OUT][0];
    float[] row = new float[0];
    FloatBuffer vd = Gemm.allocate(1);
    FloatBuffer md = Gemm.allocate(1);

    void ensure(int tiles, int cin, int cout) {
      if (vd.capacity() < POS * tiles * cin) vd = Gemm.allocate(POS * tiles * cin);
      if (md.capacity() < POS * tiles * cout) md = Gemm.allocate(POS * tiles * cout);
      if (patch[0].length != cin) {
        patch = new float[POS][cin];
        t1 = new float[POS][cin];
        v = new float[POS][cin];
      }
      if (m[0].length != cout) {
        m = new float[POS][cout];
        t2 = new float[OUT * IN][cout];
        y = new float[OUT * OUT][cout];
        row = new float[cout];
      }
    }
  }
}
