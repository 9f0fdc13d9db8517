package org.lwm.trainer.checkpoint;

import org.lwm.core.tensors.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.lwm.core.cli.UserError;
import org.lwm.trainer.model.ModelConfig;
import org.lwm.trainer.model.Parameters;

/**
 * A model checkpoint in Hugging Face layout: {@code config.json} and {@code model.safetensors} with
 * {@code LlamaForCausalLM} tensor names, so it loads with {@code LlamaForCausalLM.from_pretrained} (the vision
 * tensors are LWM's extras) and a LLaMA checkpoint from there loads here.
 */
public final class Checkpoint {
  public static final String CONFIG = "config.json";
  public static final String WEIGHTS = "model.safetensors";

  private Checkpoint() {}

  public static void write(Path dir, Parameters p) throws IOException {
    Files.createDirectories(dir);
    p.config.write(dir.resolve(CONFIG));
    Safetensors.write(dir.resolve(WEIGHTS), tensors(p), Map.of("format", "pt"));
  }

  /** The parameters as safetensors entries under their names, with their shapes. */
  public static Map<String, Safetensors.Tensor> tensors(Parameters p) {
    Map<String, Safetensors.Tensor> out = new LinkedHashMap<>();
    p.named().forEach((name, data) -> out.put(name, new Safetensors.Tensor(p.shape(name), data)));
    return out;
  }

  public static ModelConfig readConfig(Path dir) {
    Path cfg = dir.resolve(CONFIG);
    if (!Files.isReadable(cfg)) {
      throw new UserError("checkpoint " + dir + ": no " + CONFIG + " (expected a Hugging Face model directory; "
          + "make one with 'lwm model init')");
    }
    return ModelConfig.read(cfg);
  }

  public static Parameters read(Path dir) {
    ModelConfig c = readConfig(dir);
    Path file = dir.resolve(WEIGHTS);
    if (!Files.isReadable(file)) throw new UserError("checkpoint " + dir + ": no " + WEIGHTS);
    Parameters p = Parameters.zeros(c);
    load(p, Safetensors.read(file).tensors(), file.toString());
    return p;
  }

  /** Copies tensors into {@code p} by name, checking that every parameter is present with its shape. */
  public static void load(Parameters p, Map<String, Safetensors.Tensor> tensors, String source) {
    for (Map.Entry<String, float[]> e : p.named().entrySet()) {
      Safetensors.Tensor t = tensors.get(e.getKey());
      if (t == null) throw new UserError(source + ": tensor " + e.getKey() + " is missing");
      if (!Arrays.equals(t.shape(), p.shape(e.getKey()))) {
        throw new UserError(source + ": tensor " + e.getKey() + " has shape " + Arrays.toString(t.shape())
            + ", config.json implies " + Arrays.toString(p.shape(e.getKey())));
      }
      System.arraycopy(t.data(), 0, e.getValue(), 0, t.data().length);
    }
  }
}
