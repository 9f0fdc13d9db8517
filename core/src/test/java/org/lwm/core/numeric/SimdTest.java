package org.lwm.core.numeric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SimdTest {
  @Test
  void theTestJvmRunsTheVectorPath() {
    assertTrue(Simd.VECTOR, "the build starts test JVMs with --add-modules=jdk.incubator.vector: " + Simd.name());
  }

  @Test
  void expIsWithinTwoUlpOfMathExpAndZeroBelowFloatsRange() {
    int n = 200_003; // not a multiple of the lanes: the scalar tail runs too
    float[] x = new float[n];
    for (int i = 0; i < n; i++) x[i] = -87f + 95f * i / n; // [−87, 8)
    float[] e = x.clone();
    Simd.expShiftedInPlace(e, 0, n, 0f);
    double worst = 0;
    for (int i = 0; i < n; i++) {
      double want = Math.exp(x[i]);
      worst = Math.max(worst, Math.abs(e[i] - want) / Math.ulp((float) want));
      assertEquals(VectorLoops.exp(x[i]), e[i], 0f, "lane and tail arithmetic agree at " + x[i]);
    }
    assertTrue(worst <= 2, "worst error " + worst + " ulp");
    float[] closed = {Float.NEGATIVE_INFINITY, -1e30f, -88f, -104f};
    Simd.expShiftedInPlace(closed, 0, closed.length, 0f);
    for (float c : closed) assertEquals(0f, c);
  }

  @Test
  void expShiftedSumsWhatItWrites() {
    float[] s = random(1000, 1);
    float max = Simd.max(s, 0, s.length), plainMax = Float.NEGATIVE_INFINITY;
    for (float v : s) plainMax = Math.max(plainMax, v);
    assertEquals(plainMax, max);
    float sum = Simd.expShifted(s, 0, s.length, max);
    double check = 0;
    for (float v : s) check += v;
    assertEquals(check, sum, 1e-5 * check);
  }

  @Test
  void bufferFormsGiveTheArrayFormsBits() {
    int n = 1000, off = 37, len = 517; // an odd offset and a length with a tail after the last whole vector
    float[] a = random(n, 4);
    a[off + 5] = Float.NEGATIVE_INFINITY; // a closed entry becomes 0 either way
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(4 * n).order(java.nio.ByteOrder.nativeOrder());
    for (int i = 0; i < n; i++) b.putFloat(4 * i, a[i]);
    float max = Simd.max(a, off, len);
    assertEquals(max, Simd.max(b, off, len));
    float sum = Simd.expShifted(a, off, len, max);
    assertEquals(Float.floatToRawIntBits(sum), Float.floatToRawIntBits(Simd.expShifted(b, off, len, max)));
    for (int i = 0; i < n; i++) assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b.getFloat(4 * i)), "float " + i);
    assertEquals(0f, b.getFloat(4 * (off + 5)));
    java.nio.ByteBuffer big = java.nio.ByteBuffer.allocateDirect(16);
    if (big.order() != java.nio.ByteOrder.nativeOrder()) {
      org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Simd.max(big, 0, 4));
    }
  }

  @Test
  void axpyAddsAScaledRowInPlace() {
    float[] x = random(45, 5), y = random(60, 6), want = y.clone();
    for (int i = 0; i < 21; i++) want[7 + i] = Math.fma(0.37f, x[3 + i], want[7 + i]);
    Simd.axpy(0.37f, x, 3, y, 7, 21);
    for (int i = 0; i < y.length; i++) assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(y[i]), "float " + i);
  }

  @Test
  void dotAndGemvMatchDoubleSums() {
    int in = 259, out = 7;
    float[] x = random(in, 2), w = random(in * out, 3), y = new float[out];
    Simd.gemv(x, 0, w, in, out, y, 0, false);
    for (int o = 0; o < out; o++) {
      double want = 0;
      for (int i = 0; i < in; i++) want += (double) x[i] * w[o * in + i];
      assertEquals(want, y[o], 1e-4);
      assertEquals(want, Simd.dot(x, 0, w, o * in, in), 1e-4);
    }
    float[] acc = y.clone();
    Simd.gemv(x, 0, w, in, out, acc, 0, true);
    for (int o = 0; o < out; o++) assertEquals(2 * y[o], acc[o], 1e-5);
  }

  private static float[] random(int n, long seed) {
    Random r = new Random(seed);
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
    return a;
  }
}
