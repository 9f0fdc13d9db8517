package org.lwm.vqgan.model;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.lwm.core.numeric.Gemm;

/**
 * Winograd F(4×4, 3×3) against a float64 direct convolution written here from the definition, beside the
 * im2col path on the same inputs: both must be within float32 rounding of it, on sides that are and are not
 * multiples of the tile, with borders, a batch, a residual, and both GEMM kernels.
 */
class WinogradTest {
  @Test
  void matchesADirectFloat64ConvolutionOnOddSizesWithBiasAndResidual() {
    for (Gemm gemm : new Gemm[] {Gemm.best(), Gemm.plainJava()}) {
      check(gemm, 2, 13, 10, 24, 40, true);
      check(gemm, 1, 32, 32, 64, 48, false);
      check(gemm, 3, 5, 7, 16, 16, true); // smaller than one chunk, a single partial tile per row
    }
  }

  @Test
  void convolutionsPickWinogradOnlyWhereItPays() {
    SplittableRandom r = new SplittableRandom(3);
    Conv2d c3 = new Conv2d(random(r, 9 * 32 * 32), new float[32], 3, 3, 32, 32, 1, Conv2d.Padding.SAME, Gemm.best());
    assertTrue(c3.usesWinograd(64, 64));
    assertFalse(c3.usesWinograd(16, 64), "a map narrower than the threshold stays on im2col");
    Conv2d down = new Conv2d(random(r, 9 * 32 * 32), new float[32], 3, 3, 32, 32, 2, Conv2d.Padding.BOTTOM_RIGHT, Gemm.best());
    assertFalse(down.usesWinograd(64, 64), "stride 2 is not a Winograd case");
    Conv2d rgb = new Conv2d(random(r, 9 * 3 * 32), new float[32], 3, 3, 3, 32, 1, Conv2d.Padding.SAME, Gemm.best());
    assertFalse(rgb.usesWinograd(256, 256), "three input channels: the transforms would cost more than they save");
  }

  private static void check(Gemm gemm, int n, int h, int w, int cin, int cout, boolean withResidual) {
    SplittableRandom r = new SplittableRandom(h * 31L + w);
    float[] k = random(r, 9 * cin * cout);
    float[] bias = random(r, cout);
    FeatureMap x = new FeatureMap(n, h, w, cin, random(r, n * h * w * cin));
    FeatureMap res = withResidual ? new FeatureMap(n, h, w, cout, random(r, n * h * w * cout)) : null;
    double[] want = direct(x, k, bias, res, cout);

    Conv2d conv = new Conv2d(k, bias, 3, 3, cin, cout, 1, Conv2d.Padding.SAME, gemm);
    FeatureMap wino = new FeatureMap(n, h, w, cout);
    new Winograd(Gemm.allocate(k.length).put(0, k), cin, cout, gemm).forward(x, wino, bias, res == null ? null : res.data);
    FeatureMap im2col = conv.usesWinograd(h, w) ? null : conv.forward(x, res);

    // float32 rounding of sums of 9·cin products of numbers in [-1, 1]: bound by their size, not the result's
    double scale = 9.0 * cin;
    String at = gemm.name() + ", " + n + "x" + h + "x" + w + "x" + cin + " -> " + cout;
    double errW = maxErr(want, wino.data);
    assertTrue(errW <= 2e-6 * scale, "Winograd differs by " + errW + " (" + at + ")");
    if (im2col != null) {
      double errI = maxErr(want, im2col.data);
      assertTrue(errI <= 1e-6 * scale, "im2col differs by " + errI + " (" + at + ")");
    }
  }

  private static double[] direct(FeatureMap x, float[] k, float[] bias, FeatureMap res, int cout) {
    int cin = x.c;
    double[] out = new double[x.n * x.h * x.w * cout];
    for (int b = 0; b < x.n; b++) {
      for (int oy = 0; oy < x.h; oy++) {
        for (int ox = 0; ox < x.w; ox++) {
          int o = ((b * x.h + oy) * x.w + ox) * cout;
          for (int co = 0; co < cout; co++) {
            double s = bias[co] + (res == null ? 0 : res.data[o + co]);
            for (int ky = 0; ky < 3; ky++) {
              int iy = oy + ky - 1;
              if (iy < 0 || iy >= x.h) continue;
              for (int kx = 0; kx < 3; kx++) {
                int ix = ox + kx - 1;
                if (ix < 0 || ix >= x.w) continue;
                int xi = ((b * x.h + iy) * x.w + ix) * cin;
                int ki = (ky * 3 + kx) * cin * cout + co;
                for (int ci = 0; ci < cin; ci++) s += (double) x.data[xi + ci] * k[ki + ci * cout];
              }
            }
            out[o + co] = s;
          }
        }
      }
    }
    return out;
  }

  private static double maxErr(double[] want, float[] got) {
    double e = 0;
    for (int i = 0; i < want.length; i++) e = Math.max(e, Math.abs(want[i] - got[i]));
    return e;
  }

  private static float[] random(SplittableRandom r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (float) (r.nextDouble() * 2 - 1);
    return a;
  }
}
