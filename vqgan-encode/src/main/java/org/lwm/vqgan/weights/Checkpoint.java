package org.lwm.vqgan.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import org.lwm.core.cli.UserError;
import org.lwm.core.tensors.Safetensors;

/**
 * A VQGAN's parameters by their Flax path, {@code /}-joined ({@code encoder/Conv_0/kernel},
 * {@code quantize/embeddings}, …), from wherever they were read. Lookups check the shape and fail with one
 * line naming the checkpoint and the tensor.
 */
public final class Checkpoint {
  private final String source;
  private final Map<String, Tensor> tensors;

  public Checkpoint(String source, Map<String, Tensor> tensors) {
    this.source = source;
    this.tensors = Collections.unmodifiableMap(new TreeMap<>(tensors));
  }

  /**
   * Reads a checkpoint file: a safetensors file (by its header) or else a Python pickle of nested dicts of
   * numpy arrays, LWM's format. A top-level {@code params} wrapper is looked through.
   */
  public static Checkpoint read(Path file) {
    if (!Files.isRegularFile(file)) throw new UserError("checkpoint " + file + " does not exist or is not a file: pass --checkpoint FILE (a .pkl or .safetensors)");
    try {
      byte[] head = new byte[2];
      try (InputStream in = Files.newInputStream(file)) {
        head = in.readNBytes(2);
      }
      if (head.length == 2 && (head[0] & 0xFF) == 0x80) return NumpyPickle.read(file);
      Map<String, Tensor> tensors = new TreeMap<>();
      Safetensors.read(file).tensors().forEach((name, t) -> tensors.put(name, new Tensor(name, t.shape(), t.data())));
      return new Checkpoint(file.toString(), tensors);
    } catch (Safetensors.NotSafetensors e) {
      throw new UserError("checkpoint " + file + " is neither a pickle nor a safetensors file (" + e.getMessage()
          + "): pass LWM's VQGAN pickle or a .safetensors of the same tensors");
    } catch (IOException e) {
      throw new UserError("checkpoint " + file + " cannot be read: " + e.getMessage());
    }
  }

  /** Writes the tensors as safetensors with their Flax paths as names, in name order. */
  public static void writeSafetensors(Path file, Map<String, Tensor> tensors) throws IOException {
    Map<String, Safetensors.Tensor> out = new java.util.LinkedHashMap<>();
    new TreeMap<>(tensors).forEach((name, t) -> out.put(name, new Safetensors.Tensor(t.shape(), t.data())));
    Safetensors.write(file, out, null);
  }

  public String source() {
    return source;
  }

  public Map<String, Tensor> tensors() {
    return tensors;
  }

  public boolean has(String name) {
    return tensors.containsKey(name);
  }

  /** The tensor, which must exist with exactly this shape. */
  public Tensor get(String name, int... shape) {
    Tensor t = tensors.get(name);
    if (t == null) {
      throw new UserError("checkpoint " + source + " has no tensor '" + name + "' (it has " + tensors.size() + " tensors"
          + (tensors.isEmpty() ? "" : ", e.g. '" + tensors.keySet().iterator().next() + "'") + "): is it an LWM VQGAN checkpoint of this architecture?");
    }
    if (!Arrays.equals(t.shape(), shape)) {
      throw new UserError("checkpoint " + source + ": tensor '" + name + "' has shape " + t.shapeText() + ", expected " + Arrays.toString(shape));
    }
    return t;
  }

  /** The shape of a tensor that must exist. */
  public int[] shape(String name) {
    Tensor t = tensors.get(name);
    if (t == null) throw new UserError("checkpoint " + source + " has no tensor '" + name + "': is it an LWM VQGAN checkpoint?");
    return t.shape();
  }
}
