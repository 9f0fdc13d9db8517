package org.lwm.vqgan.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Row-major single-precision matrix product {@code C[m×n] = A[m×k] · B[k×n] + beta·C} on direct (off-heap)
 * float buffers, each starting at its position 0. The convolutions and the quantiser's distances all go
 * through this one operation, so it is the one place to swap the kernel. Direct buffers because a native
 * BLAS reads them in place, where a Java array would be copied across JNI on every call. Calls come from
 * several threads at once, each with its own buffers; an implementation runs one call on the calling thread.
 */
public interface Gemm {
  void sgemm(int m, int n, int k, FloatBuffer a, int lda, FloatBuffer b, int ldb, float beta, FloatBuffer c, int ldc);

  /** What computes the products. */
  String name();

  /** A zeroed direct float buffer in the machine's byte order. */
  static FloatBuffer allocate(int floats) {
    return ByteBuffer.allocateDirect(Math.multiplyExact(floats, 4)).order(ByteOrder.nativeOrder()).asFloatBuffer();
  }

  /**
   * OpenBLAS when its native library loads on this machine, else the plain Java kernel; the system property
   * {@code lwm.vqgan.gemm=java} (or LWM_VQGAN_GEMM=java) forces the latter.
   */
  static Gemm best() {
    return Holder.BEST;
  }

  /** Chosen once per JVM. */
  final class Holder {
    static final Gemm BEST = choose();

    private Holder() {}

    private static Gemm choose() {
      String forced = System.getProperty("lwm.vqgan.gemm", System.getenv().getOrDefault("LWM_VQGAN_GEMM", ""));
      if (!"java".equalsIgnoreCase(forced)) {
        try {
          return new OpenBlasGemm();
        } catch (Throwable e) { // UnsatisfiedLinkError, NoClassDefFoundError on an unsupported platform
          System.err.println("vqgan: OpenBLAS is not usable here (" + e + "); convolutions fall back to the plain Java kernel (much slower)");
        }
      }
      return new JavaGemm();
    }
  }
}
