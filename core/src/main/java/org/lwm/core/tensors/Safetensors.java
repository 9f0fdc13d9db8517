package org.lwm.core.tensors;

import com.fasterxml.jackson.core.JsonProcessingException;
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
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.lwm.core.cli.UserError;

/**
 * The safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes of JSON
 * ({@code name → {dtype, shape, data_offsets: [begin, end]}} plus an optional {@code __metadata__} map of
 * strings), then the raw little-endian tensor bytes. The one reader and writer of the project: the trainer's
 * checkpoints and gradients, the VQGAN's weights. Writes F32 (atomically, through a temporary file); reads F32,
 * F16, BF16 and F64 into float32.
 */
public final class Safetensors {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_HEADER = 100L << 20;

  /** A tensor as float32, row-major, with its shape. */
  public record Tensor(int[] shape, float[] data) {
    public Tensor {
      long n = 1;
      for (int s : shape) n *= s;
      if (n != data.length) {
        throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " has " + data.length + " values");
      }
    }
  }

  /** Tensors in file order plus the metadata strings. */
  public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

  /** The file is not in the safetensors format at all (as opposed to a damaged one). */
  public static final class NotSafetensors extends UserError {
    public NotSafetensors(Path file, String why) {
      super(file + ": not a safetensors file (" + why + ")");
    }
  }

  private Safetensors() {}

  /** Writes the tensors as F32 in the map's order, with optional metadata; replaces {@code file} atomically. */
  public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
    ObjectNode header = JSON.createObjectNode();
    if (metadata != null && !metadata.isEmpty()) {
      ObjectNode m = header.putObject("__metadata__");
      metadata.forEach(m::put);
    }
    long offset = 0;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      ObjectNode t = header.putObject(e.getKey());
      t.put("dtype", "F32");
      var shape = t.putArray("shape");
      for (int s : e.getValue().shape()) shape.add(s);
      long bytes = 4L * e.getValue().data().length;
      t.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
    }
    byte[] json = JSON.writeValueAsBytes(header);
    int padded = (json.length + 7) / 8 * 8; // the format pads the header with spaces to 8-byte alignment
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (OutputStream out = Files.newOutputStream(tmp)) {
      out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
      out.write(json);
      for (int i = json.length; i < padded; i++) out.write(' ');
      ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
      for (Tensor t : tensors.values()) {
        for (float f : t.data()) {
          if (buf.remaining() < 4) {
            out.write(buf.array(), 0, buf.position());
            buf.clear();
          }
          buf.putFloat(f);
        }
      }
      out.write(buf.array(), 0, buf.position());
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * Reads every tensor as float32. A file that is not safetensors at all is a {@link NotSafetensors}; a damaged
   * one (offsets past the end, an unknown dtype) a {@link UserError} naming the tensor.
   */
  public static Contents read(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < 8) throw new NotSafetensors(file, "it is " + size + " bytes long");
      ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, lenBuf, 0);
      long n = lenBuf.getLong(0);
      if (n <= 0 || n > Math.min(size - 8, MAX_HEADER)) throw new NotSafetensors(file, "its first 8 bytes give no plausible header length");
      ByteBuffer hb = ByteBuffer.allocate((int) n);
      readFully(ch, hb, 8);
      JsonNode header;
      try {
        header = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8));
      } catch (JsonProcessingException e) {
        throw new NotSafetensors(file, "its header is not JSON");
      }
      if (header == null || !header.isObject()) throw new NotSafetensors(file, "its header is not a JSON object");
      long dataStart = 8 + n;
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      Map<String, String> meta = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getKey().equals("__metadata__")) {
          e.getValue().fields().forEachRemaining(m -> meta.put(m.getKey(), m.getValue().asText()));
          continue;
        }
        tensors.put(e.getKey(), readTensor(ch, file, e.getKey(), e.getValue(), dataStart, size));
      }
      return new Contents(tensors, meta);
    } catch (IOException e) {
      throw new UserError(file + ": cannot read safetensors (" + e.getMessage() + ")");
    }
  }

  private static Tensor readTensor(FileChannel ch, Path file, String name, JsonNode t, long dataStart, long size) throws IOException {
    String dtype = t.path("dtype").asText();
    int[] shape = new int[t.path("shape").size()];
    long count = 1;
    for (int i = 0; i < shape.length; i++) count *= shape[i] = t.path("shape").get(i).asInt();
    long begin = t.path("data_offsets").path(0).asLong(-1);
    long end = t.path("data_offsets").path(1).asLong(-1);
    int width = switch (dtype) {
      case "F32" -> 4;
      case "F16", "BF16" -> 2;
      case "F64" -> 8;
      default -> throw new UserError(file + ": tensor '" + name + "' has dtype " + dtype + "; only F32, F16, BF16 and F64 are read");
    };
    if (begin < 0 || end - begin != count * width || dataStart + end > size || count > Integer.MAX_VALUE) {
      throw new UserError(file + ": tensor '" + name + "' has byte range [" + begin + ", " + end
          + ") that does not fit its shape or the file (truncated?)");
    }
    ByteBuffer raw = ByteBuffer.allocate((int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
    readFully(ch, raw, dataStart + begin);
    float[] data = new float[(int) count];
    for (int i = 0; i < data.length; i++) {
      data[i] = switch (dtype) {
        case "F32" -> raw.getFloat(i * 4);
        case "F64" -> (float) raw.getDouble(i * 8);
        case "BF16" -> Float.intBitsToFloat((raw.getShort(i * 2) & 0xFFFF) << 16);
        default -> halfToFloat(raw.getShort(i * 2));
      };
    }
    return new Tensor(shape, data);
  }

  /** IEEE 754 half precision to float (Float.float16ToFloat arrives only in Java 20). */
  public static float halfToFloat(short h) {
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

  private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
    while (b.hasRemaining()) {
      int r = ch.read(b, pos + b.position());
      if (r < 0) throw new IOException("unexpected end of file");
    }
  }
}
