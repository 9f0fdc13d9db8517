package org.lwm.vqgan.weights;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.lwm.vqgan.model.VqganConfig;

/**
 * A seeded random VQGAN (no real weights can be downloaded here): every tensor of LWM's tree for a given
 * architecture, initialised as Flax initialises it (kernels LeCun-normal, i.e. N(0, 1/fan_in); biases zero;
 * GroupNorm scale one and bias zero; the codebook uniform in ±1/n). Each tensor draws from its own stream
 * (the seed and its name), so a tensor's values do not depend on which others exist.
 */
public final class RandomWeights {
  private RandomWeights() {}

  public static Checkpoint create(VqganConfig config, long seed) {
    return create(config, seed, true);
  }

  /** Without the decoder's tensors when only encoding (LWM's decoder is ~60% of the parameters). */
  public static Checkpoint create(VqganConfig config, long seed, boolean withDecoder) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, int[]> e : parameterShapes(config).entrySet()) {
      String name = e.getKey();
      if (!withDecoder && (name.startsWith("decoder/") || name.startsWith("post_quant_conv/"))) continue;
      int[] shape = e.getValue();
      int n = 1;
      for (int d : shape) n *= d;
      float[] v = new float[n];
      SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ name.hashCode());
      if (name.endsWith("/kernel")) {
        double std = 1.0 / Math.sqrt((double) shape[0] * shape[1] * shape[2]);
        for (int i = 0; i < n; i++) v[i] = (float) (gaussian(rnd) * std);
      } else if (name.endsWith("/scale")) {
        java.util.Arrays.fill(v, 1f);
      } else if (name.equals("quantize/embeddings")) {
        for (int i = 0; i < n; i++) v[i] = (float) ((rnd.nextDouble() * 2 - 1) / shape[0]);
      }
      out.put(name, new Tensor(name, shape, v));
    }
    return new Checkpoint("random(seed=" + seed + ", " + config + ")", out);
  }

  private static double gaussian(SplittableRandom r) {
    double u = r.nextDouble();
    double v = r.nextDouble();
    return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
  }

  /** Every parameter of LWM's VQGAN tree for this architecture, by Flax path, with its shape. */
  public static Map<String, int[]> parameterShapes(VqganConfig cfg) {
    Map<String, int[]> p = new LinkedHashMap<>();
    int hidden = cfg.hiddenChannels();
    conv(p, "encoder/Conv_0", 3, cfg.inChannels(), hidden);
    int c = hidden;
    for (int i = 0; i < cfg.levels(); i++) {
      int out = cfg.channels(i);
      for (int j = 0; j < cfg.numResBlocks(); j++) {
        resnet(p, "encoder/DownsamplingBlock_" + i + "/ResnetBlock_" + j, c, out);
        c = out;
      }
      if (i != cfg.levels() - 1) conv(p, "encoder/DownsamplingBlock_" + i + "/Downsample_0/Conv_0", 3, c, c);
    }
    resnet(p, "encoder/MidBlock_0/ResnetBlock_0", c, c);
    resnet(p, "encoder/MidBlock_0/ResnetBlock_1", c, c);
    norm(p, "encoder/GroupNorm_0", c);
    conv(p, "encoder/Conv_1", 3, c, cfg.zChannels());
    conv(p, "quant_conv", 1, cfg.zChannels(), cfg.embedDim());
    p.put("quantize/embeddings", new int[] {cfg.numEmbeddings(), cfg.embedDim()});
    conv(p, "post_quant_conv", 1, cfg.embedDim(), cfg.zChannels());
    c = cfg.channels(cfg.levels() - 1);
    conv(p, "decoder/Conv_0", 3, cfg.zChannels(), c);
    resnet(p, "decoder/MidBlock_0/ResnetBlock_0", c, c);
    resnet(p, "decoder/MidBlock_0/ResnetBlock_1", c, c);
    for (int k = 0; k < cfg.levels(); k++) {
      int level = cfg.levels() - 1 - k;
      int out = cfg.channels(level);
      for (int j = 0; j < cfg.numResBlocks() + 1; j++) {
        resnet(p, "decoder/UpsamplingBlock_" + k + "/ResnetBlock_" + j, c, out);
        c = out;
      }
      if (level != 0) conv(p, "decoder/UpsamplingBlock_" + k + "/Upsample_0/Conv_0", 3, c, c);
    }
    norm(p, "decoder/GroupNorm_0", c);
    conv(p, "decoder/Conv_1", 3, c, cfg.inChannels());
    return p;
  }

  private static void conv(Map<String, int[]> p, String path, int k, int cin, int cout) {
    p.put(path + "/kernel", new int[] {k, k, cin, cout});
    p.put(path + "/bias", new int[] {cout});
  }

  private static void norm(Map<String, int[]> p, String path, int c) {
    p.put(path + "/scale", new int[] {c});
    p.put(path + "/bias", new int[] {c});
  }

  private static void resnet(Map<String, int[]> p, String path, int cin, int cout) {
    norm(p, path + "/GroupNorm_0", cin);
    conv(p, path + "/Conv_0", 3, cin, cout);
    norm(p, path + "/GroupNorm_1", cout);
    conv(p, path + "/Conv_1", 3, cout, cout);
    if (cin != cout) conv(p, path + "/Conv_2", 1, cin, cout);
  }
}
