package org.lwm.vqgan.model;

import java.nio.FloatBuffer;
import org.lwm.core.numeric.Gemm;

/**
 * A 2-D convolution over NHWC maps with an HWIO kernel (Flax's layout). Stride-1 3×3 convolutions on large
 * maps run as {@link Winograd} F(4×4, 3×3) (a quarter of the multiplies); the rest as im2col + GEMM in
 * tiles: each tile of output pixels gathers its receptive fields into a [pixels × (kh·kw·cin)] matrix (for a
 * stride-1 3×3 window, three contiguous runs of 3·cin floats per pixel, since NHWC keeps neighbouring
 * pixels' channels adjacent) and multiplies it by the kernel viewed as [(kh·kw·cin) × cout]: HWIO is already
 * that matrix, row-major. Tiles run on {@link Parallel}'s threads, one GEMM call each.
 *
 * <p>Padding: {@link Padding#SAME} is Flax's default for odd kernels at stride 1 (pad (k−1)/2 each side);
 * {@link Padding#BOTTOM_RIGHT} is LWM's Downsample (pad bottom and right by one, then VALID), which at
 * stride 2 makes a 3×3 window start at the pixel itself. Positions outside the input read zero.
 */
public final class Conv2d {
  public enum Padding { SAME, BOTTOM_RIGHT }

  /** Floats of gathered input per tile: large enough that repacking the kernel per call stays cheap. */
  private static final int TILE_FLOATS = Integer.getInteger("lwm.vqgan.tile_floats", 1 << 20);

  /** Fewer rows than this per GEMM call and repacking the kernel per call costs more than it should. */
  private static final int MIN_ROWS = 128;
  /** Largest gathered matrix built whole for a small map (64 MiB). */
  private static final long SHARED_FLOATS = 16L << 20;

  /**
   * Smallest map side (per image) on which a 3×3 stride-1 convolution runs as Winograd F(4×4, 3×3) instead of
   * im2col: below it the tiles are too few to fill the GEMMs and the transformed kernel (36 × cin × cout
   * floats) is not worth its memory (measured on LWM's layers: 2.0–2.8× faster at 256², 128² and 64², no
   * faster at 32² with 512 channels, ~2× slower at 16² with 768; docs/PERFORMANCE.md).
   * {@code lwm.vqgan.winograd_min_side=0} turns Winograd off.
   */
  private static final int WINOGRAD_MIN_SIDE = Integer.getInteger("lwm.vqgan.winograd_min_side", 64);

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
  private static final ThreadLocal<Scratch> SHARED = ThreadLocal.withInitial(Scratch::new);

  public final int kh;
  public final int kw;
  public final int cin;
  public final int cout;
  public final int stride;
  public final Padding padding;
  private final FloatBuffer kernel; // [(kh·kw·cin) × cout]
  private final float[] bias;
  private final Gemm gemm;
  private volatile Winograd winograd; // made on first use: most layers never need it

  public Conv2d(float[] kernelHwio, float[] bias, int kh, int kw, int cin, int cout, int stride, Padding padding, Gemm gemm) {
    if (kernelHwio.length != kh * kw * cin * cout) throw new IllegalArgumentException("kernel has " + kernelHwio.length + " values, not " + kh + "x" + kw + "x" + cin + "x" + cout);
    if (bias.length != cout) throw new IllegalArgumentException("bias has " + bias.length + " values, not " + cout);
    this.kh = kh;
    this.kw = kw;
    this.cin = cin;
    this.cout = cout;
    this.stride = stride;
    this.padding = padding;
    this.kernel = Gemm.allocate(kernelHwio.length);
    this.kernel.put(0, kernelHwio);
    this.bias = bias.clone();
    this.gemm = gemm;
  }

  public int outSize(int in) {
    return padding == Padding.SAME ? (in + stride - 1) / stride : (in + 1 - kh) / stride + 1;
  }

  /** Multiply-adds ×2 for one image of the given input size (for GFLOP/s figures). */
  public double flops(int h, int w) {
    return 2.0 * outSize(h) * outSize(w) * kh * kw * cin * cout;
  }

  public FeatureMap forward(FeatureMap x) {
    return forward(x, null);
  }

  /** conv(x) + residual (same shape as the output), the add done while the output is copied out of the GEMM's buffer. */
  public FeatureMap forward(FeatureMap x, FeatureMap residual) {
    if (x.c != cin) throw new IllegalArgumentException("convolution expects " + cin + " input channels, got " + x.c);
    int oh = outSize(x.h);
    int ow = outSize(x.w);
    FeatureMap out = new FeatureMap(x.n, oh, ow, cout);
    if (residual != null && residual.data.length != out.data.length) throw new IllegalArgumentException("residual does not match the convolution's output");
    float[] res = residual == null ? null : residual.data;
    if (usesWinograd(x.h, x.w)) {
      winograd().forward(x, out, bias, res);
      return out;
    }
    int k = kh * kw * cin;
    int m = out.pixels();
    int perThread = (m + 2 * Parallel.threads() - 1) / (2 * Parallel.threads());
    boolean pointwise = kh == 1 && kw == 1 && stride == 1;
    if (Math.min(perThread, TILE_FLOATS / k) < MIN_ROWS && (long) m * k <= SHARED_FLOATS) return forwardSmall(x, out, m, k, pointwise, res);
    int tile = Math.max(16, Math.min(perThread, Math.max(64, TILE_FLOATS / k)));
    int tiles = (m + tile - 1) / tile;
    Parallel.forEach(tiles, t -> {
      int p0 = t * tile;
      int rows = Math.min(tile, m - p0);
      Scratch s = SCRATCH.get();
      FloatBuffer a = s.a(rows * k);
      if (pointwise) a.put(0, x.data, p0 * cin, rows * cin);
      else gather(x, oh, ow, p0, rows, a, s.zeros(kw * cin));
      FloatBuffer c = s.c(rows * cout);
      gemm.sgemm(rows, cout, k, a, k, kernel, cout, 0f, c, cout);
      int o = p0 * cout;
      c.get(0, out.data, o, rows * cout);
      addBias(out.data, res, o, rows);
    });
    return out;
  }

  /** Whether a map of this size goes through Winograd (stride-1 SAME 3×3 on a wide enough map and channels). */
  public boolean usesWinograd(int h, int w) {
    return WINOGRAD_MIN_SIDE > 0 && kh == 3 && kw == 3 && stride == 1 && padding == Padding.SAME && cin >= 8
        && Math.min(h, w) >= WINOGRAD_MIN_SIDE;
  }

  private Winograd winograd() {
    Winograd w = winograd;
    if (w == null) {
      synchronized (this) {
        if (winograd == null) winograd = new Winograd(kernel, cin, cout, gemm);
        w = winograd;
      }
    }
    return w;
  }

  /**
   * Small maps with wide kernels (the late levels): tiles of a few dozen rows would each repack the whole
   * kernel (up to 6912×768 floats) for little work, so every row is gathered once into one shared matrix and
   * the product is split over blocks of rows and of output channels instead.
   */
  private FeatureMap forwardSmall(FeatureMap x, FeatureMap out, int m, int k, boolean pointwise, float[] res) {
    int threads = Parallel.threads();
    Scratch shared = SHARED.get(); // the calling thread's: tasks that encode at once each have their own
    FloatBuffer a = shared.a(m * k);
    FloatBuffer c = shared.c(m * cout);
    if (pointwise) {
      a.put(0, x.data, 0, m * cin);
    } else {
      int chunks = Math.max(1, Math.min(m / 16, 4 * threads));
      int per = (m + chunks - 1) / chunks;
      Parallel.forEach(chunks, t -> {
        int r0 = t * per;
        int rows = Math.min(per, m - r0);
        if (rows > 0) gather(x, out.h, out.w, r0, rows, a.slice(r0 * k, rows * k), SCRATCH.get().zeros(kw * cin));
      });
    }
    int rowsPer = Math.min(m, 4 * MIN_ROWS);
    int mTiles = (m + rowsPer - 1) / rowsPer;
    int nBlocks = Math.max(1, (2 * threads + mTiles - 1) / mTiles);
    int cols = Math.min(cout, ((cout + nBlocks - 1) / nBlocks + 15) / 16 * 16);
    int nTiles = (cout + cols - 1) / cols;
    Parallel.forEach(mTiles * nTiles, t -> {
      int m0 = (t / nTiles) * rowsPer;
      int n0 = (t % nTiles) * cols;
      int rows = Math.min(rowsPer, m - m0);
      int width = Math.min(cols, cout - n0);
      gemm.sgemm(rows, width, k, a.slice(m0 * k, rows * k), k, kernel.slice(n0, kernel.capacity() - n0), cout, 0f,
          c.slice(m0 * cout + n0, m * cout - m0 * cout - n0), cout);
    });
    c.get(0, out.data, 0, m * cout);
    addBias(out.data, res, 0, m);
    return out;
  }

  /** out[rows from o] += bias (+ residual), a pixel at a time through its own array (see GroupNorm.silu: so the JIT vectorises). */
  private void addBias(float[] out, float[] res, int o, int rows) {
    float[] row = new float[cout];
    float[] add = res == null ? null : new float[cout];
    for (int r = 0; r < rows; r++, o += cout) {
      System.arraycopy(out, o, row, 0, cout);
      if (add == null) {
        for (int j = 0; j < cout; j++) row[j] += bias[j];
      } else {
        System.arraycopy(res, o, add, 0, cout);
        for (int j = 0; j < cout; j++) row[j] += bias[j] + add[j];
      }
      System.arraycopy(row, 0, out, o, cout);
    }
  }

  /** im2col for output pixels p0 … p0+rows−1 (over the whole batch) into a, row r = pixel p0+r. */
  private void gather(FeatureMap x, int oh, int ow, int p0, int rows, FloatBuffer a, float[] zeros) {
    int pad = padding == Padding.SAME ? (kh - 1) / 2 : 0;
    int padW = padding == Padding.SAME ? (kw - 1) / 2 : 0;
    int k = kh * kw * cin;
    int run = kw * cin;
    for (int r = 0; r < rows; r++) {
      int p = p0 + r;
      int b = p / (oh * ow);
      int rem = p - b * oh * ow;
      int oy = rem / ow;
      int ox = rem - oy * ow;
      int ix0 = ox * stride - padW;
      int dst = r * k;
      for (int ky = 0; ky < kh; ky++, dst += run) {
        int iy = oy * stride + ky - pad;
        if (iy < 0 || iy >= x.h) {
          a.put(dst, zeros, 0, run);
          continue;
        }
        int rowBase = (b * x.h + iy) * x.w;
        if (ix0 >= 0 && ix0 + kw <= x.w) {
          a.put(dst, x.data, (rowBase + ix0) * cin, run); // the window's row is contiguous in NHWC
        } else {
          for (int kx = 0; kx < kw; kx++) {
            int ix = ix0 + kx;
            if (ix < 0 || ix >= x.w) a.put(dst + kx * cin, zeros, 0, cin);
            else a.put(dst + kx * cin, x.data, (rowBase + ix) * cin, cin);
          }
        }
      }
    }
  }

  /** Per-thread direct buffers, grown on demand and kept for the thread's life. */
  private static final class Scratch {
    private FloatBuffer a = Gemm.allocate(1);
    private FloatBuffer c = Gemm.allocate(1);
    private float[] zeros = new float[0];

    FloatBuffer a(int floats) {
      if (a.capacity() < floats) a = Gemm.allocate(floats);
      return a;
    }

    FloatBuffer c(int floats) {
      if (c.capacity() < floats) c = Gemm.allocate(floats);
      return c;
    }

    float[] zeros(int n) {
      if (zeros.length < n) zeros = new float[n];
      return zeros;
    }
  }
}
