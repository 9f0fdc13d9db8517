package org.lwm.vqgan.frames;

/**
 * LWM's frame preprocessing ({@code _process_frame} in lwm/vision_chat.py): resize so the shorter side is
 * {@code size} (the longer one {@code int(size·long/short)}), with PIL's default resampling for
 * {@code Image.resize} (bicubic, a = −0.5, widened by the scale when shrinking, fixed-point on 8-bit pixels,
 * horizontal pass then vertical), centre crop to size×size at PIL's rounded box, then x/127.5 − 1.
 * Input and intermediate images are 8-bit RGB, row-major, 3 bytes per pixel.
 */
public final class Preprocess {
  private static final int PRECISION_BITS = 32 - 8 - 2;
  private static final double SUPPORT = 2.0;

  private Preprocess() {}

  /** RGB bytes (w×h×3) to size×size×3 floats in [−1, 1], NHWC for one image. */
  public static float[] frame(byte[] rgb, int w, int h, int size) {
    int nw;
    int nh;
    if (w < h) {
      nw = size;
      nh = (int) ((long) size * h / w);
    } else {
      nh = size;
      nw = (int) ((long) size * w / h);
    }
    byte[] resized = resize(rgb, w, h, nw, nh);
    // PIL's crop rounds the float box with Python's round (half to even)
    int left = (int) Math.rint((nw - size) / 2.0);
    int top = (int) Math.rint((nh - size) / 2.0);
    float[] out = new float[size * size * 3];
    for (int y = 0; y < size; y++) {
      int src = ((top + y) * nw + left) * 3;
      int dst = y * size * 3;
      for (int i = 0; i < size * 3; i++) out[dst + i] = (resized[src + i] & 0xFF) / 127.5f - 1f;
    }
    return out;
  }

  /** PIL's bicubic resize of an 8-bit RGB image (what Image.resize((nw, nh)) does by default). */
  public static byte[] resize(byte[] rgb, int w, int h, int nw, int nh) {
    byte[] img = rgb;
    int cw = w;
    if (nw != w) {
      img = pass(img, w, h, nw, true);
      cw = nw;
    }
    if (nh != h) img = pass(img, cw, h, nh, false);
    return img;
  }

  /** One separable pass along x (horizontal) or y, from inSize to outSize samples. */
  private static byte[] pass(byte[] src, int w, int h, int outSize, boolean horizontal) {
    int inSize = horizontal ? w : h;
    double scale = (double) inSize / outSize;
    double filterScale = Math.max(scale, 1.0);
    double support = SUPPORT * filterScale;
    int[] lo = new int[outSize];
    int[] n = new int[outSize];
    int ksize = (int) Math.ceil(support) * 2 + 1;
    int[] k = new int[outSize * ksize];
    for (int o = 0; o < outSize; o++) {
      double center = (o + 0.5) * scale;
      int xmin = Math.max(0, (int) (center - support + 0.5));
      int xmax = Math.min(inSize, (int) (center + support + 0.5)) - xmin;
      double[] wts = new double[xmax];
      double sum = 0;
      for (int x = 0; x < xmax; x++) {
        wts[x] = bicubic((x + xmin - center + 0.5) / filterScale);
        sum += wts[x];
      }
      for (int x = 0; x < xmax; x++) {
        double v = sum != 0 ? wts[x] / sum : wts[x];
        k[o * ksize + x] = (int) (v < 0 ? -0.5 + v * (1 << PRECISION_BITS) : 0.5 + v * (1 << PRECISION_BITS));
      }
      lo[o] = xmin;
      n[o] = xmax;
    }
    int ow = horizontal ? outSize : w;
    int oh = horizontal ? h : outSize;
    byte[] out = new byte[ow * oh * 3];
    for (int y = 0; y < oh; y++) {
      for (int x = 0; x < ow; x++) {
        int o = horizontal ? x : y;
        for (int c = 0; c < 3; c++) {
          long acc = 1L << (PRECISION_BITS - 1);
          for (int t = 0; t < n[o]; t++) {
            int sx = horizontal ? lo[o] + t : x;
            int sy = horizontal ? y : lo[o] + t;
            acc += (long) (src[(sy * w + sx) * 3 + c] & 0xFF) * k[o * ksize + t];
          }
          out[(y * ow + x) * 3 + c] = (byte) clip8(acc);
        }
      }
    }
    return out;
  }

  private static int clip8(long v) {
    if (v >= (256L << PRECISION_BITS)) return 255;
    if (v < 0) return 0;
    return (int) (v >> PRECISION_BITS);
  }

  private static double bicubic(double x) {
    double a = -0.5;
    x = Math.abs(x);
    if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
    if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
    return 0;
  }
}
