package org.lwm.core.numeric;

import java.nio.FloatBuffer;

/** Per-thread direct buffers for the array overload of {@link Gemm#sgemm}, grown on demand and kept. */
final class Scratch {
  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private final FloatBuffer[] buf = new FloatBuffer[3];

  static Scratch get() {
    return SCRATCH.get();
  }

  /** Elements spanned by a row-major rows×cols matrix with leading dimension ld. */
  static int span(int rows, int cols, int ld) {
    return (rows - 1) * ld + cols;
  }

  FloatBuffer buffer(int which, int floats) {
    FloatBuffer b = buf[which];
    if (b == null || b.capacity() < floats) {
      int grown = b == null ? floats : (int) Math.min(Integer.MAX_VALUE / 4, Math.max(floats, b.capacity() * 3L / 2));
      buf[which] = b = Gemm.allocate(grown);
    }
    return b;
  }
}
