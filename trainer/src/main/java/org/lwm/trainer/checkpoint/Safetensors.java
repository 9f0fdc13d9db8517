package org.lwm.trainer.checkpoint;

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
 * The safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes of JSON
 * ({@code name → {dtype, shape, data_offsets: [begin, end]}} plus an optional {@code __metadata__} map of
 * strings), then the raw little-endian tensor bytes. Writes F32; reads F32, F16 and BF16 into float32.
 */
public final class Safetensors {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A tensor as float32 with its shape. */
  public record Tensor(int[] shape, float[] data) {
    public long size() {
      long n = 1;
      for (int s : shape) n *= s;
      return n;
    }
  }

  /** Tensors in file order plus the metadata strings. */
  public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

  private Safetensors() {}

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
      if (e.getValue().size() != e.getValue().data().length) {
        throw new IllegalArgumentException("tensor " + e.getKey() + ": shape does not match its " + e.getValue().data().length + " values");
      }
      long bytes = 4L * e.getValue().data().length;
      t.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
    }
    byte[] json = JSON.writeValueAsBytes(header);
    int padded = (json.length + 7) / 8 * 8; // the format pads the header with spaces to 8-byte alignment
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (OutputStream out = Files.newOutputStream(tmp)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
      out.write(len.array());
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
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  public static Contents read(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, lenBuf, 0);
      long n = lenBuf.flip().getLong();
      if (n <= 0 || n > 100_000_000 || 8 + n > ch.size()) {
        throw new UserError(file + ": not a safetensors file (header length " + n + ")");
      }
      ByteBuffer hb = ByteBuffer.allocate((int) n);
      readFully(ch, hb, 8);
      JsonNode header = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8));
      long dataStart = 8 + n;
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      Map<String, String> meta = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getKey().equals("__metadata__")) {
          e.getValue().fields().forEachRemaining(m -> meta.put(m.getKey(), m.getValue().asText()));
          continue;
        }
        JsonNode t = e.getValue();
        String dtype = t.path("dtype").asText();
        int[] shape = new int[t.path("shape").size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) count *= shape[i] = t.path("shape").get(i).asInt();
        long begin = t.path("data_offsets").get(0).asLong(), end = t.path("data_offsets").get(1).asLong();
        int width = switch (dtype) {
          case "F32" -> 4;
          case "F16", "BF16" -> 2;
          default -> throw new UserError(file + ": tensor " + e.getKey() + " has dtype " + dtype
              + "; only F32, F16 and BF16 are read");
        };
        if (end - begin != count * width || dataStart + end > ch.size() || count > Integer.MAX_VALUE) {
          throw new UserError(file + ": tensor " + e.getKey() + " has offsets that do not match its shape");
        }
        ByteBuffer raw = ByteBuffer.allocate((int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, raw, dataStart + begin);
        raw.flip();
        float[] data = new float[(int) count];
        for (int i = 0; i < data.length; i++) {
          data[i] = switch (dtype) {
            case "F32" -> raw.getFloat();
            case "BF16" -> Float.intBitsToFloat((raw.getShort() & 0xffff) << 16);
            default -> halfToFloat(raw.getShort());
          };
        }
        tensors.put(e.getKey(), new Tensor(shape, data));
      }
      return new Contents(tensors, meta);
    } catch (IOException e) {
      throw new UserError(file + ": cannot read safetensors (" + e.getMessage() + ")");
    }
  }

  private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
    while (b.hasRemaining()) {
      int r = ch.read(b, pos);
      if (r < 0) throw new IOException("unexpected end of file");
      pos += r;
    }
  }

  static float halfToFloat(short h) {
    int s = (h >> 15) & 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
    float v;
    if (e == 0) v = (float) (m * Math.pow(2, -24));
    else if (e == 31) v = m == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
    else v = (float) ((1 + m / 1024.0) * Math.pow(2, e - 15));
    return s == 1 ? -v : v;
  }
}
