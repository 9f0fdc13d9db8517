package org.lwm.vqgan.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lwm.core.cli.UserError;

/**
 * Reads LWM's VQGAN checkpoint: a Python pickle (protocols 2–5) of nested dicts whose leaves are numpy
 * arrays. Only the part of the pickle machine that such a file uses is implemented, and only a fixed list
 * of globals may be named (numpy's array and dtype reconstructors, {@code _codecs.encode} for protocol 2's
 * bytes, OrderedDict and Flax's FrozenDict): anything else is refused, so loading a file never runs code.
 * Arrays of float16/32/64 and integers become float32 {@link Tensor}s named by their dict path joined by
 * {@code /}.
 */
public final class NumpyPickle {
  private static final Object MARK = new Object();

  private final byte[] b;
  private final String source;
  private int pos;
  private final Deque<Object> stack = new ArrayDeque<>();
  private final Map<Integer, Object> memo = new HashMap<>();

  private NumpyPickle(byte[] bytes, String source) {
    this.b = bytes;
    this.source = source;
  }

  public static Checkpoint read(Path file) throws IOException {
    return parse(Files.readAllBytes(file), file.toString());
  }

  public static Checkpoint parse(byte[] bytes, String source) {
    Object root;
    try {
      root = new NumpyPickle(bytes, source).load();
    } catch (IndexOutOfBoundsException | java.util.NoSuchElementException | ClassCastException e) {
      throw new UserError("checkpoint " + source + " is not a readable pickle of numpy arrays (" + e.getClass().getSimpleName() + "): re-save it with pickle.dump of a dict of numpy arrays");
    }
    if (!(root instanceof Map<?, ?> m)) throw new UserError("checkpoint " + source + " holds a " + describe(root) + ", not a dict of parameters");
    if (m.size() == 1 && m.containsKey("params") && m.get("params") instanceof Map) root = m.get("params");
    Map<String, Tensor> out = new LinkedHashMap<>();
    flatten("", root, out, source);
    return new Checkpoint(source, out);
  }

  private static void flatten(String prefix, Object node, Map<String, Tensor> out, String source) {
    if (node instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) flatten(prefix.isEmpty() ? String.valueOf(e.getKey()) : prefix + "/" + e.getKey(), e.getValue(), out, source);
    } else if (node instanceof NdArray a) {
      out.put(prefix, a.toTensor(prefix, source));
    } else {
      throw new UserError("checkpoint " + source + ": '" + prefix + "' is a " + describe(node) + ", not a numpy array");
    }
  }

  private static String describe(Object o) {
    return o == null ? "None" : o instanceof Global g ? "Python object " + g : o.getClass().getSimpleName();
  }

  // --- the pickle machine ---

  private Object load() {
    while (true) {
      int op = u8();
      switch (op) {
        case 0x80 -> u8(); // PROTO
        case 0x95 -> pos += 8; // FRAME: length only
        case '.' -> {
          return stack.pop();
        }
        case '(' -> {
          stack.push(MARK);
        }
        case '}' -> stack.push(new LinkedHashMap<Object, Object>());
        case ']' -> stack.push(new ArrayList<Object>());
        case ')' -> stack.push(new Object[0]);
        case 'N' -> stack.push(NONE);
        case 0x88 -> stack.push(Boolean.TRUE);
        case 0x89 -> stack.push(Boolean.FALSE);
        case 'K' -> stack.push((long) u8());
        case 'M' -> stack.push((long) (u8() | (u8() << 8)));
        case 'J' -> stack.push((long) i32());
        case 0x8a -> stack.push(long1(u8()));
        case 'G' -> stack.push(ByteBuffer.wrap(bytes(8)).order(ByteOrder.BIG_ENDIAN).getDouble());
        case 'X' -> stack.push(new String(bytes(i32()), StandardCharsets.UTF_8));
        case 0x8c -> stack.push(new String(bytes(u8()), StandardCharsets.UTF_8));
        case 0x8d -> stack.push(new String(bytes(len64()), StandardCharsets.UTF_8));
        case 'U' -> stack.push(new String(bytes(u8()), StandardCharsets.ISO_8859_1));
        case 'T' -> stack.push(new String(bytes(i32()), StandardCharsets.ISO_8859_1));
        case 'C' -> stack.push(bytes(u8()));
        case 'B' -> stack.push(bytes(i32()));
        case 0x8e, 0x96 -> stack.push(bytes(len64())); // BINBYTES8, BYTEARRAY8 (protocol 5 in-band buffers)
        case 't' -> stack.push(popMark().toArray());
        case 0x85 -> stack.push(new Object[] {stack.pop()});
        case 0x86 -> {
          Object y = stack.pop();
          stack.push(new Object[] {stack.pop(), y});
        }
        case 0x87 -> {
          Object z = stack.pop();
          Object y = stack.pop();
          stack.push(new Object[] {stack.pop(), y, z});
        }
        case 'c' -> stack.push(global(line(), line()));
        case 0x93 -> {
          String name = (String) stack.pop();
          stack.push(global((String) stack.pop(), name));
        }
        case 'R' -> {
          Object[] args = (Object[]) stack.pop();
          stack.push(call((Global) stack.pop(), args));
        }
        case 0x81 -> { // NEWOBJ: cls.__new__(cls, *args)
          Object[] args = (Object[]) stack.pop();
          stack.push(call((Global) stack.pop(), args));
        }
        case 'b' -> {
          Object state = stack.pop();
          build(stack.peek(), state);
        }
        case 'q' -> memo.put(u8(), stack.peek());
        case 'r' -> memo.put(i32(), stack.peek());
        case 0x94 -> memo.put(memo.size(), stack.peek());
        case 'h' -> stack.push(memoGet(u8()));
        case 'j' -> stack.push(memoGet(i32()));
        case 's' -> {
          Object v = stack.pop();
          Object k = stack.pop();
          asMap(stack.peek()).put(k, v);
        }
        case 'u' -> {
          List<Object> items = popMark();
          Map<Object, Object> m = asMap(stack.peek());
          for (int i = 0; i + 1 < items.size(); i += 2) m.put(items.get(i), items.get(i + 1));
        }
        case 'a' -> {
          Object v = stack.pop();
          asList(stack.peek()).add(v);
        }
        case 'e' -> {
          List<Object> items = popMark();
          asList(stack.peek()).addAll(items);
        }
        case 0x97, 0x98 -> throw new UserError("checkpoint " + source + " was pickled with out-of-band buffers (protocol 5 buffer_callback): re-save it with a plain pickle.dump");
        default -> throw new UserError(String.format("checkpoint %s: pickle opcode 0x%02x at byte %d is not supported (a dict of numpy arrays needs only the binary protocols 2-5)", source, op, pos - 1));
      }
    }
  }

  private static final Object NONE = new Object() {
    @Override
    public String toString() {
      return "None";
    }
  };

  private Object memoGet(int i) {
    Object o = memo.get(i);
    if (o == null) throw new UserError("checkpoint " + source + " refers to pickle memo " + i + ", which was never stored: the file is corrupt");
    return o;
  }

  private List<Object> popMark() {
    List<Object> items = new ArrayList<>();
    Object o;
    while ((o = stack.pop()) != MARK) items.add(0, o);
    return items;
  }

  @SuppressWarnings("unchecked")
  private Map<Object, Object> asMap(Object o) {
    if (o instanceof Map) return (Map<Object, Object>) o;
    throw new UserError("checkpoint " + source + ": a pickle SETITEM targets a " + describe(o) + ", not a dict");
  }

  @SuppressWarnings("unchecked")
  private List<Object> asList(Object o) {
    if (o instanceof List) return (List<Object>) o;
    throw new UserError("checkpoint " + source + ": a pickle APPEND targets a " + describe(o) + ", not a list");
  }

  /** The globals a dict of numpy arrays may name; everything else is refused before it could be called. */
  private Global global(String module, String name) {
    String full = module + "." + name;
    switch (full) {
      case "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct", "numpy.ndarray", "numpy.dtype",
          "numpy.core.numeric._frombuffer", "numpy._core.numeric._frombuffer", "_codecs.encode", "collections.OrderedDict",
          "flax.core.frozen_dict.FrozenDict", "builtins.dict" -> {
        return new Global(full);
      }
      default -> throw new UserError("checkpoint " + source + " names the Python object " + full + ", which a checkpoint of numpy arrays does not need"
          + (module.startsWith("jax") ? ": convert jax arrays with jax.device_get / numpy.asarray before pickling" : ": refusing to load it"));
    }
  }

  private Object call(Global g, Object[] args) {
    switch (g.name) {
      case "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct" -> {
        return new NdArray();
      }
      case "numpy.dtype" -> {
        return new DType((String) args[0]);
      }
      case "numpy.core.numeric._frombuffer", "numpy._core.numeric._frombuffer" -> { // (buffer, dtype, shape, order)
        NdArray a = new NdArray();
        a.data = (byte[]) args[0];
        a.dtype = (DType) args[1];
        a.shape = shape((Object[]) args[2]);
        a.fortran = "F".equals(args[3]);
        return a;
      }
      case "_codecs.encode" -> {
        return ((String) args[0]).getBytes(StandardCharsets.ISO_8859_1);
      }
      case "collections.OrderedDict", "builtins.dict" -> {
        Map<Object, Object> m = new LinkedHashMap<>();
        if (args.length > 0 && args[0] instanceof Map<?, ?> src) m.putAll(src);
        return m;
      }
      case "flax.core.frozen_dict.FrozenDict" -> {
        Map<Object, Object> m = new LinkedHashMap<>();
        if (args.length > 0 && args[0] instanceof Map<?, ?> src) m.putAll(src);
        return m;
      }
      default -> throw new UserError("checkpoint " + source + ": cannot construct " + g.name);
    }
  }

  private void build(Object target, Object state) {
    if (target instanceof NdArray a) { // state: (version, shape, dtype, is_fortran, raw data)
      Object[] s = (Object[]) state;
      a.shape = shape((Object[]) s[1]);
      a.dtype = (DType) s[2];
      a.fortran = Boolean.TRUE.equals(s[3]);
      if (s[4] instanceof byte[] raw) a.data = raw;
      else throw new UserError("checkpoint " + source + " holds a numpy array of Python objects, not numbers");
    } else if (target instanceof DType d) { // state: (version, byte order, ...)
      Object[] s = (Object[]) state;
      if (s.length > 1 && s[1] instanceof String order) d.order = order;
    } else if (target instanceof Map<?, ?> m && state instanceof Map<?, ?> st) {
      asMap(m).putAll(st);
    } else {
      throw new UserError("checkpoint " + source + ": cannot restore the state of a " + describe(target));
    }
  }

  private static int[] shape(Object[] dims) {
    int[] out = new int[dims.length];
    for (int i = 0; i < dims.length; i++) out[i] = Math.toIntExact((Long) dims[i]);
    return out;
  }

  private int u8() {
    return b[pos++] & 0xFF;
  }

  private int i32() {
    int v = ByteBuffer.wrap(b, pos, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    pos += 4;
    return v;
  }

  private int len64() {
    long v = ByteBuffer.wrap(b, pos, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    pos += 8;
    if (v < 0 || v > Integer.MAX_VALUE - 8) throw new UserError("checkpoint " + source + " holds a single array of " + v + " bytes, more than one Java array can hold");
    return (int) v;
  }

  private long long1(int n) {
    byte[] raw = bytes(n);
    long v = 0;
    for (int i = n - 1; i >= 0; i--) v = (v << 8) | (raw[i] & 0xFF);
    if (n > 0 && n < 8 && (raw[n - 1] & 0x80) != 0) v -= 1L << (8 * n);
    return v;
  }

  private byte[] bytes(int n) {
    byte[] out = Arrays.copyOfRange(b, pos, pos + n);
    if (pos + n > b.length) throw new UserError("checkpoint " + source + " ends in the middle of a value: the file is truncated");
    pos += n;
    return out;
  }

  private String line() {
    int start = pos;
    while (b[pos] != '\n') pos++;
    return new String(b, start, pos++ - start, StandardCharsets.UTF_8);
  }

  private record Global(String name) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static final class DType {
    final String code; // "f4", "<f4", "float32", ...
    String order = "=";

    DType(String code) {
      this.code = code;
    }
  }

  private static final class NdArray {
    int[] shape;
    DType dtype;
    boolean fortran;
    byte[] data;

    Tensor toTensor(String name, String source) {
      String code = dtype.code;
      String order = dtype.order;
      if (!code.isEmpty() && "<>=|".indexOf(code.charAt(0)) >= 0) {
        order = code.substring(0, 1);
        code = code.substring(1);
      }
      code = switch (code) {
        case "float32" -> "f4";
        case "float64" -> "f8";
        case "float16" -> "f2";
        default -> code;
      };
      ByteOrder bo = ">".equals(order) ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
      long count = 1;
      for (int d : shape) count *= d;
      int size = switch (code) {
        case "f2", "i2", "u2" -> 2;
        case "f4", "i4", "u4" -> 4;
        case "f8", "i8", "u8" -> 8;
        case "i1", "u1", "b1" -> 1;
        default -> throw new UserError("checkpoint " + source + ": tensor '" + name + "' has numpy dtype " + dtype.code + ", not a float or integer type");
      };
      if (data.length != count * size) {
        throw new UserError("checkpoint " + source + ": tensor '" + name + "' of shape " + Arrays.toString(shape) + " holds " + data.length + " bytes, not " + count * size);
      }
      ByteBuffer buf = ByteBuffer.wrap(data).order(bo);
      float[] v = new float[(int) count];
      for (int i = 0; i < v.length; i++) {
        v[i] = switch (code) {
          case "f4" -> buf.getFloat(i * 4);
          case "f8" -> (float) buf.getDouble(i * 8);
          case "f2" -> org.lwm.core.tensors.Safetensors.halfToFloat(buf.getShort(i * 2));
          case "i2" -> buf.getShort(i * 2);
          case "u2" -> buf.getShort(i * 2) & 0xFFFF;
          case "i4" -> buf.getInt(i * 4);
          case "u4" -> buf.getInt(i * 4) & 0xFFFFFFFFL;
          case "i8", "u8" -> buf.getLong(i * 8);
          case "i1" -> data[i];
          default -> data[i] & 0xFF;
        };
      }
      if (fortran && shape.length > 1) v = fromFortran(v, shape);
      return new Tensor(name, shape, v);
    }

    /** Column-major values to row-major. */
    private static float[] fromFortran(float[] v, int[] shape) {
      float[] out = new float[v.length];
      int[] idx = new int[shape.length];
      for (int i = 0; i < v.length; i++) { // i walks row-major; its column-major offset:
        int off = 0;
        int stride = 1;
        for (int d = 0; d < shape.length; d++) {
          off += idx[d] * stride;
          stride *= shape[d];
        }
        out[i] = v[off];
        for (int d = shape.length - 1; d >= 0; d--) {
          if (++idx[d] < shape[d]) break;
          idx[d] = 0;
        }
      }
      return out;
    }
  }
}
