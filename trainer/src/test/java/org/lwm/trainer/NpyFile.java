package org.lwm.trainer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a little-endian float32 .npy (what numpy.save writes) for tests. */
public record NpyFile(int[] shape, float[] data) {
  public static NpyFile read(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    b.position(8);
    int headerLen = b.getShort() & 0xffff;
    byte[] h = new byte[headerLen];
    b.get(h);
    String header = new String(h, StandardCharsets.US_ASCII);
    if (!header.contains("'<f4'")) throw new IOException(file + ": not float32: " + header);
    String dims = header.substring(header.indexOf("'shape': (") + 10, header.indexOf(")", header.indexOf("'shape': (")));
    String[] parts = dims.split(",");
    int n = 0;
    int[] shape = new int[parts.length];
    for (String s : parts) if (!s.isBlank()) shape[n++] = Integer.parseInt(s.trim());
    shape = java.util.Arrays.copyOf(shape, n);
    float[] data = new float[b.remaining() / 4];
    b.asFloatBuffer().get(data);
    return new NpyFile(shape, data);
  }
}
