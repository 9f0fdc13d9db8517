package org.lwm.vqgan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs the float64 PyTorch reference (src/test/resources) with Debian's python3; fails loudly without it. */
final class ReferencePython {
  private ReferencePython() {}

  static Path script(Path dir, String resource) throws IOException {
    Path p = dir.resolve(resource);
    try (InputStream in = ReferencePython.class.getResourceAsStream("/" + resource)) {
      if (in == null) throw new IllegalStateException("test resource " + resource + " is missing");
      Files.copy(in, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    return p;
  }

  static String run(Path dir, String resource, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", script(dir, resource).toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int rc = p.waitFor();
    assertEquals(0, rc, "the PyTorch reference failed (run ./dev/test to install python3-torch and python3-numpy):\n" + out);
    return out;
  }

  static float[] floats(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    float[] v = new float[b.remaining() / 4];
    b.asFloatBuffer().get(v);
    return v;
  }

  static double[] doubles(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    double[] v = new double[b.remaining() / 8];
    b.asDoubleBuffer().get(v);
    return v;
  }

  static int[] ints(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    int[] v = new int[b.remaining() / 4];
    b.asIntBuffer().get(v);
    return v;
  }
}
