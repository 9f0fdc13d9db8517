package org.lwm.core.numeric;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The float loops that JDK 17's JIT does not vectorise by itself — reductions (a dot product, a maximum) and
 * {@code exp} — on the CPU's widest vectors through the Vector API when the JVM was started with
 * {@code --add-modules=jdk.incubator.vector} (./lwm, the tests, dev/cluster and the rendered spark-submit options
 * all add it), else as plain loops with the same contract. Results agree with the plain loops up to float
 * rounding: sums are taken in a different order, and {@code exp} is a polynomial of {@link VectorLoops} (within
 * ~1e-7 relative of {@link Math#exp}). {@code -Dlwm.simd=false} forces the plain loops. The {@link ByteBuffer}
 * forms work in place on native memory (a score tile OpenBLAS wrote) with no copy to and from an array; they give
 * the same bits as the array forms on the same values.
 */
public final class Simd {
  private Simd() {}

  /** Whether the Vector API path is in use. */
  public static final boolean VECTOR = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
      && !"false".equals(System.getProperty("lwm.simd"));

  /** What computes these loops, for logs and benchmarks. */
  public static String name() {
    return VECTOR ? VectorLoops.describe() : "plain Java loops (start the JVM with --add-modules=jdk.incubator.vector)";
  }

  /** Σ a[ao+i]·b[bo+i] for i &lt; n. */
  public static float dot(float[] a, int ao, float[] b, int bo, int n) {
    if (VECTOR) return VectorLoops.dot(a, ao, b, bo, n);
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int i = 0;
    for (; i + 3 < n; i += 4) {
      s0 += a[ao + i] * b[bo + i];
      s1 += a[ao + i + 1] * b[bo + i + 1];
      s2 += a[ao + i + 2] * b[bo + i + 2];
      s3 += a[ao + i + 3] * b[bo + i + 3];
    }
    for (; i < n; i++) s0 += a[ao + i] * b[bo + i];
    return (s0 + s1) + (s2 + s3);
  }

  /**
   * y[yo+o] (+)= Σ_i x[xo+i]·w[o·n+i] for o &lt; out: one vector times a row-major matrix's transpose, straight over
   * W (a decoding step's product, bound by how fast W streams).
   */
  public static void gemv(float[] x, int xo, float[] w, int n, int out, float[] y, int yo, boolean accumulate) {
    if (VECTOR) {
      VectorLoops.gemv(x, xo, w, n, out, y, yo, accumulate);
      return;
    }
    for (int o = 0; o < out; o++) {
      float v = dot(x, xo, w, o * n, n);
      y[yo + o] = accumulate ? y[yo + o] + v : v;
    }
  }

  /** y[yo+i] += a·x[xo+i] for i &lt; n (a fused multiply-add per element on both paths, so both give the same bits). */
  public static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
    if (VECTOR) {
      VectorLoops.axpy(a, x, xo, y, yo, n);
      return;
    }
    for (int i = 0; i < n; i++) y[yo + i] = Math.fma(a, x[xo + i], y[yo + i]);
  }

  /** max a[off+i] for i &lt; n (−∞ when n = 0). */
  public static float max(float[] a, int off, int n) {
    if (VECTOR) return VectorLoops.max(a, off, n);
    float m = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) m = Math.max(m, a[off + i]);
    return m;
  }

  /** a[off+i] = exp(a[off+i] − shift) in place; returns their sum (−∞ entries become 0). */
  public static float expShifted(float[] a, int off, int n, float shift) {
    if (VECTOR) return VectorLoops.expShifted(a, off, n, shift, true);
    float sum = 0;
    for (int i = 0; i < n; i++) {
      float p = (float) Math.exp(a[off + i] - shift);
      a[off + i] = p;
      sum += p;
    }
    return sum;
  }

  /** a[off+i] = exp(a[off+i] − shift) in place, without the sum. */
  public static void expShiftedInPlace(float[] a, int off, int n, float shift) {
    if (VECTOR) {
      VectorLoops.expShifted(a, off, n, shift, false);
      return;
    }
    for (int i = 0; i < n; i++) a[off + i] = (float) Math.exp(a[off + i] - shift);
  }

  /** max of the n floats at float index off of a native-order buffer (−∞ when n = 0). */
  public static float max(ByteBuffer b, int off, int n) {
    requireNativeOrder(b);
    if (VECTOR) return VectorLoops.max(b, off, n);
    float m = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) m = Math.max(m, b.getFloat((off + i) * 4));
    return m;
  }

  /** The n floats at float index off of a native-order buffer become exp(x − shift), in place; returns their sum. */
  public static float expShifted(ByteBuffer b, int off, int n, float shift) {
    requireNativeOrder(b);
    if (VECTOR) return VectorLoops.expShifted(b, off, n, shift);
    float sum = 0;
    for (int i = 0; i < n; i++) {
      float p = (float) Math.exp(b.getFloat((off + i) * 4) - shift);
      b.putFloat((off + i) * 4, p);
      sum += p;
    }
    return sum;
  }

  private static void requireNativeOrder(ByteBuffer b) {
    if (b.order() != ByteOrder.nativeOrder()) throw new IllegalArgumentException("a buffer in " + b.order() + " order; Simd reads native order");
  }
}
