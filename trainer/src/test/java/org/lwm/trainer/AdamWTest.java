package org.lwm.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.trainer.model.ModelConfig;
import org.lwm.trainer.model.Parameters;
import org.lwm.trainer.train.AdamW;

/**
 * AdamW (decoupled weight decay, none on the norms) and global-norm clipping against {@code torch.optim.AdamW} and
 * {@code torch.nn.utils.clip_grad_norm_} (Debian python3-torch) for a few steps on the same gradients, some of them
 * large enough to be clipped.
 */
class AdamWTest {
  @TempDir Path tmp;

  static void write(Path f, Parameters p) throws IOException {
    int n = 0;
    for (float[] a : p.named().values()) n += a.length;
    ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
    for (float[] a : p.named().values()) for (float x : a) b.putFloat(x);
    Files.write(f, b.array());
  }

  @Test
  void matchesTorch() throws Exception {
    ModelConfig cfg = new ModelConfig(16, 0, 8, 16, 1, 2, 2, 10000, 1e-5, 64);
    Parameters params = Parameters.init(cfg, 3);
    write(tmp.resolve("params.bin"), params);
    double[] lr = {1e-2, 5e-3, 2e-2, 1e-2};
    double[] scale = {0.05, 2.0, 0.01, 5.0}; // steps 2 and 4 exceed the max norm of 1 and are clipped
    AdamW opt = new AdamW(params, 0.9, 0.95, 1e-8, 0.1);
    Random r = new Random(7);
    List<Double> norms = new ArrayList<>();
    for (int s = 0; s < lr.length; s++) {
      Parameters g = Parameters.zeros(cfg);
      for (float[] a : g.named().values()) for (int i = 0; i < a.length; i++) a[i] = (float) (r.nextGaussian() * scale[s]);
      write(tmp.resolve("grads_" + s + ".bin"), g);
      norms.add(AdamW.clip(g, 1.0));
      opt.update(params, g, lr[s]);
    }
    Map<String, Object> meta = new LinkedHashMap<>();
    List<Integer> sizes = new ArrayList<>();
    List<Boolean> decays = new ArrayList<>();
    params.named().forEach((name, a) -> {
      sizes.add(a.length);
      decays.add(Parameters.decays(name));
    });
    meta.put("sizes", sizes);
    meta.put("decays", decays);
    meta.put("lr", lr);
    meta.put("betas", new double[] {0.9, 0.95});
    meta.put("eps", 1e-8);
    meta.put("weight_decay", 0.1);
    meta.put("max_norm", 1.0);
    new ObjectMapper().writeValue(tmp.resolve("meta.json").toFile(), meta);
    Path script = Path.of(getClass().getResource("adamw_reference.py").toURI());
    Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), tmp.toString()).redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), "PyTorch reference failed (needs Debian python3-torch): " + log);

    ByteBuffer want = ByteBuffer.wrap(Files.readAllBytes(tmp.resolve("out.bin"))).order(ByteOrder.LITTLE_ENDIAN);
    double worst = 0;
    for (float[] a : params.named().values()) {
      for (float x : a) worst = Math.max(worst, Math.abs(x - want.getFloat()));
    }
    // both float32; ours forms m̂/(√v̂+ε) in double, torch in float: rounding-level differences only
    assertEquals(0, worst, 2e-6, "largest parameter difference after " + lr.length + " steps");
    double[] torchNorms = new ObjectMapper().readValue(tmp.resolve("norms.json").toFile(), double[].class);
    for (int s = 0; s < lr.length; s++) assertEquals(torchNorms[s], norms.get(s), 1e-5 * torchNorms[s], "grad norm of step " + (s + 1));
  }
}
