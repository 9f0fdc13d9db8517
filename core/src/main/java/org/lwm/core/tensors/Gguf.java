package org.lwm.core.tensors;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF (version 3) file writer: the format llama.cpp, Ollama and their tools load. Little-endian header
 * ({@code GGUF}, version, tensor count, key/value count), typed metadata, tensor infos (name, dimensions with the
 * fastest-varying first, type, offset), then the tensor data, each aligned to {@code general.alignment} (32).
 * Tensors are F32 or F16 (rounded to nearest even).
 */
public final class Gguf {
  public static final int ALIGNMENT = 32;
  private static final int VERSION = 3;

  /** GGUF's metadata value types. */
  private static final int UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7, STRING = 8, ARRAY = 9;

  /** ggml tensor types this writer emits. */
  public enum Type {
    F32(0, 4), F16(1, 2);

    final int id;
    final int bytes;

    Type(int id, int bytes) {
      this.id = id;
      this.bytes = bytes;
    }
  }

  /** A tensor to write: {@code shape} as PyTorch/safetensors give it (slowest first); GGUF stores it reversed. */
  public record Tensor(String name, int[] shape, float[] data, Type type) {}

  private final Map<String, Object> metadata = new LinkedHashMap<>();
  private final List<Tensor> tensors = new ArrayList<>();

  public Gguf put(String key, String value) {
    metadata.put(key, value);
    return this;
  }

  /** An unsigned 32-bit value (lengths, counts, ids). */
  public Gguf putUInt(String key, int value) {
    metadata.put(key, new UInt(value));
    return this;
  }

  public Gguf put(String key, float value) {
    metadata.put(key, value);
    return this;
  }

  public Gguf put(String key, boolean value) {
    metadata.put(key, value);
    return this;
  }

  public Gguf put(String key, String[] values) {
    metadata.put(key, values);
    return this;
  }

  public Gguf put(String key, float[] values) {
    metadata.put(key, values);
    return this;
  }

  public Gguf put(String key, int[] values) {
    metadata.put(key, values);
    return this;
  }

  public Gguf add(Tensor t) {
    long n = 1;
    for (int d : t.shape()) n *= d;
    if (n != t.data().length) {
      throw new IllegalArgumentException("tensor " + t.name() + ": shape holds " + n + " values, data " + t.data().length);
    }
    tensors.add(t);
    return this;
  }

  private record UInt(int value) {}

  public void write(Path file) throws IOException {
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
      Writer w = new Writer(out);
      w.raw(new byte[] {'G', 'G', 'U', 'F'});
      w.u32(VERSION);
      w.u64(tensors.size());
      w.u64(metadata.size() + 1);
      w.string("general.alignment");
      w.u32(UINT32);
      w.u32(ALIGNMENT);
      for (Map.Entry<String, Object> e : metadata.entrySet()) {
        w.string(e.getKey());
        value(w, e.getValue());
      }
      long offset = 0;
      for (Tensor t : tensors) {
        w.string(t.name());
        w.u32(t.shape().length);
        for (int d = t.shape().length - 1; d >= 0; d--) w.u64(t.shape()[d]);
        w.u32(t.type().id);
        w.u64(offset);
        offset = align(offset + (long) t.data().length * t.type().bytes);
      }
      w.pad();
      for (Tensor t : tensors) {
        w.tensor(t);
        w.pad();
      }
    }
  }

  private static void value(Writer w, Object v) throws IOException {
    if (v instanceof String s) {
      w.u32(STRING);
      w.string(s);
    } else if (v instanceof UInt u) {
      w.u32(UINT32);
      w.u32(u.value());
    } else if (v instanceof Float f) {
      w.u32(FLOAT32);
      w.f32(f);
    } else if (v instanceof Boolean b) {
      w.u32(BOOL);
      w.raw(new byte[] {(byte) (b ? 1 : 0)});
    } else if (v instanceof String[] a) {
      w.u32(ARRAY);
      w.u32(STRING);
      w.u64(a.length);
      for (String s : a) w.string(s);
    } else if (v instanceof float[] a) {
      w.u32(ARRAY);
      w.u32(FLOAT32);
      w.u64(a.length);
      for (float f : a) w.f32(f);
    } else if (v instanceof int[] a) {
      w.u32(ARRAY);
      w.u32(INT32);
      w.u64(a.length);
      for (int i : a) w.u32(i);
    } else {
      throw new IllegalArgumentException("no GGUF type for " + v.getClass());
    }
  }

  static long align(long n) {
    return (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
  }

  /** IEEE 754 binary16, round to nearest even (overflow to infinity); Float.floatToFloat16 arrives only in Java 20. */
  public static short floatToHalf(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int exp = (bits >>> 23) & 0xFF;
    int mant = bits & 0x7FFFFF;
    if (exp == 0xFF) return (short) (sign | 0x7C00 | (mant != 0 ? 0x200 : 0));
    int e = exp - 127 + 15;
    if (e >= 0x1F) return (short) (sign | 0x7C00);
    if (e <= 0) {
      if (e < -10) return (short) sign;
      int m = mant | 0x800000; // the implicit bit, then shift into the subnormal range
      int shift = 14 - e;
      int half = m >>> shift;
      int rest = m & ((1 << shift) - 1), mid = 1 << (shift - 1);
      if (rest > mid || (rest == mid && (half & 1) == 1)) half++;
      return (short) (sign | half);
    }
    int half = (e << 10) | (mant >>> 13);
    int rest = mant & 0x1FFF;
    if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) half++; // may carry into the exponent: still right
    return (short) (sign | half);
  }

  /** Little-endian primitives with the byte count kept for alignment. */
  private static final class Writer {
    private final OutputStream out;
    private final ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    private long written;

    Writer(OutputStream out) {
      this.out = out;
    }

    void raw(byte[] bytes) throws IOException {
      out.write(bytes);
      written += bytes.length;
    }

    void u32(int v) throws IOException {
      b.clear();
      b.putInt(v);
      raw(java.util.Arrays.copyOf(b.array(), 4));
    }

    void u64(long v) throws IOException {
      b.clear();
      b.putLong(v);
      raw(b.array().clone());
    }

    void f32(float v) throws IOException {
      u32(Float.floatToRawIntBits(v));
    }

    void string(String s) throws IOException {
      byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
      u64(bytes.length);
      raw(bytes);
    }

    void pad() throws IOException {
      raw(new byte[(int) (align(written) - written)]);
    }

    void tensor(Tensor t) throws IOException {
      float[] d = t.data();
      ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
      for (float v : d) {
        if (chunk.remaining() < 4) flush(chunk);
        if (t.type() == Type.F32) chunk.putFloat(v);
        else chunk.putShort(floatToHalf(v));
      }
      flush(chunk);
    }

    private void flush(ByteBuffer chunk) throws IOException {
      out.write(chunk.array(), 0, chunk.position());
      written += chunk.position();
      chunk.clear();
    }
  }
}
