package org.lwm.vqgan.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.lwm.core.cli.UserError;

/**
 * The safetensors format (8-byte little-endian header length, a JSON header of name → dtype, shape and byte
 * range, then the raw little-endian data), with the VQGAN's Flax paths as names ({@code encoder/Conv_0/kernel}).
 * F32, F16, BF16 and F64 tensors are read as float32; writing produces F32.
 */
public final class Safetensors {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Safetensors() {}

  public static Checkpoint read(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < 8) throw notSafetensors(file, "it is " + size + " bytes long");
      ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, lenBuf, 0);
      long headerLen = lenBuf.getLong(0);
      if (headerLen <= 0 || headerLen > Math.min(size - 8, 100L << 20)) throw notSafetensors(file, "its first 8 bytes give no plausible header length");
      ByteBuffer header = ByteBuffer.allocate((int) headerLen);
      readFully(ch, header, 8);
      JsonNode root;
      try {
        root = JSON.readTree(new String(header.array(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw notSafetensors(file, "its header is not JSON");
      }
      long dataStart = 8 + headerLen;
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getKey().equals("__metadata__")) continue;
        String name = e.getKey();
        JsonNode t = e.getValue();
        String dtype = t.path("dtype").asText();
        int[] shape = new int[t.path("shape").size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
          shape[i] = t.path("shape").get(i).asInt();
          count *= shape[i];
        }
        long from = t.path("data_offsets").path(0).asLong(-1);
        long to = t.path("data_offsets").path(1).asLong(-1);
        int width = switch (dtype) {
          case "F32" -> 4;
          case "F16", "BF16" -> 2;
          case "F64" -> 8;
          default -> throw new UserError("checkpoint " + file + ": tensor '" + name + "' has dtype " + dtype + "; a VQGAN's weights are F32, F16, BF16 or F64");
        };
        if (from < 0 || to - from != count * width || dataStart + to > size) {
          throw new UserError("checkpoint " + file + ": tensor '" + name + "' has byte range [" + from + ", " + to + ") that does not fit its shape or the file (truncated?)");
        }
        ByteBuffer raw = ByteBuffer.allocate((int) (to - from)).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, raw, dataStart + from);
        float[] v = new float[(int) count];
        for (int i = 0; i < v.length; i++) {
          v[i] = switch (dtype) {
            case "F32" -> raw.getFloat(i * 4);
            case "F64" -> (float) raw.getDouble(i * 8);
            case "F16" -> halfToFloat(raw.getShort(i * 2));
            default -> Float.intBitsToFloat((raw.getShort(i * 2) & 0xFFFF) << 16);
          };
        }
        tensors.put(name, new Tensor(name, shape, v));
      }
      return new Checkpoint(file.toString(), tensors);
    }
  }

  /** Writes the tensors as F32, in name order. */
  public static void write(Path file, Map<String, Tensor> tensors) throws IOException {
    ObjectNode header = JSON.createObjectNode();
    long offset = 0;
    for (Tensor t : new java.util.TreeMap<>(tensors).values()) {
      ObjectNode n = header.putObject(t.name());
      n.put("dtype", "F32");
      var shape = n.putArray("shape");
      for (int d : t.shape()) shape.add(d);
      var offs = n.putArray("data_offsets");
      offs.add(offset);
      offset += 4L * t.data().length;
      offs.add(offset);
    }
    byte[] h = JSON.writeValueAsBytes(header);
    int padded = (h.length + 7) / 8 * 8; // the format pads the header with spaces to 8-byte alignment
    try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
      out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
      out.write(h);
      for (int i = h.length; i < padded; i++) out.write(' ');
      for (Tensor t : new java.util.TreeMap<>(tensors).values()) {
        ByteBuffer buf = ByteBuffer.allocate(4 * t.data().length).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(t.data());
        out.write(buf.array());
      }
    }
  }

  /** IEEE 754 half precision to float (Float.float16ToFloat arrives only in Java 20). */
  static float halfToFloat(short h) {
    int bits = h & 0xFFFF;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1F;
    int mant = bits & 0x3FF;
    if (exp == 0x1F) return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
    if (exp == 0) {
      if (mant == 0) return Float.intBitsToFloat(sign);
      float v = mant / 1024f / 16384f; // subnormal: mant · 2^-24
      return sign == 0 ? v : -v;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long at) throws IOException {
    while (buf.hasRemaining()) {
      int n = ch.read(buf, at + buf.position());
      if (n < 0) throw new IOException("unexpected end of file");
    }
  }

  private static UserError notSafetensors(Path file, String why) {
    return new UserError("checkpoint " + file + " is neither a pickle nor a safetensors file (" + why + "): pass LWM's VQGAN pickle or a .safetensors of the same tensors");
  }
}
