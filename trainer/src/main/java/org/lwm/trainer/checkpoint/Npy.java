package org.lwm.trainer.checkpoint;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes NumPy {@code .npy} (format 1.0) float32 arrays, C order, little-endian. */
public final class Npy {
  private Npy() {}

  /** Writes the concatenation of {@code parts} as one array of the given shape. */
  public static void writeFloat32(Path file, int[] shape, float[]... parts) throws IOException {
    StringBuilder dims = new StringBuilder();
    long count = 1;
    for (int s : shape) {
      dims.append(s).append(", ");
      count *= s;
    }
    long have = 0;
    for (float[] p : parts) have += p.length;
    if (have != count) throw new IllegalArgumentException("npy " + file + ": " + have + " values for shape of " + count);
    String shapeText = shape.length == 1 ? "(" + shape[0] + ",)" : "(" + dims.substring(0, dims.length() - 2) + ")";
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shapeText + ", }";
    int total = 10 + dict.length() + 1;
    int pad = (64 - total % 64) % 64;
    String header = dict + " ".repeat(pad) + "\n";
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
      out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
      out.write(header.length() & 0xff);
      out.write(header.length() >> 8);
      out.write(header.getBytes(StandardCharsets.US_ASCII));
      ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
      for (float[] p : parts) {
        for (float f : p) {
          if (buf.remaining() < 4) {
            out.write(buf.array(), 0, buf.position());
            buf.clear();
          }
          buf.putFloat(f);
        }
      }
      out.write(buf.array(), 0, buf.position());
    }
  }
}
