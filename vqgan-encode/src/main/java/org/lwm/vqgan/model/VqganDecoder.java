package org.lwm.vqgan.model;

import java.util.ArrayList;
import java.util.List;
import org.lwm.core.numeric.Gemm;
import org.lwm.vqgan.weights.Checkpoint;

/**
 * {@code post_quant_conv} followed by LWM's Decoder: 3×3 conv in to the last level's channels → mid block →
 * per level from the last to the first, num_res_blocks+1 ResNet blocks then (but for level 0) nearest 2×
 * upsampling and a 3×3 conv → GroupNorm, SiLU, 3×3 conv to RGB, clipped to [−1, 1]. Flax numbers the
 * upsampling blocks in the order they are made, so {@code UpsamplingBlock_0} is the last level.
 */
public final class VqganDecoder {
  private final VqganConfig config;
  private final Conv2d postQuantConv;
  private final Conv2d convIn;
  private final List<ResnetBlock> mid = new ArrayList<>();
  private final List<List<ResnetBlock>> blocks = new ArrayList<>(); // in decoding order
  private final List<Conv2d> upsamples = new ArrayList<>();
  private final GroupNorm normOut;
  private final Conv2d convOut;

  public VqganDecoder(Checkpoint ck, VqganConfig config, Gemm gemm) {
    this.config = config;
    String d = "decoder/";
    postQuantConv = Layers.conv(ck, "post_quant_conv", 1, config.embedDim(), config.zChannels(), gemm);
    int c = config.channels(config.levels() - 1);
    convIn = Layers.conv(ck, d + "Conv_0", 3, config.zChannels(), c, gemm);
    mid.add(new ResnetBlock(ck, d + "MidBlock_0/ResnetBlock_0", c, c, gemm));
    mid.add(new ResnetBlock(ck, d + "MidBlock_0/ResnetBlock_1", c, c, gemm));
    for (int k = 0; k < config.levels(); k++) {
      int level = config.levels() - 1 - k;
      String path = d + "UpsamplingBlock_" + k;
      int out = config.channels(level);
      List<ResnetBlock> lb = new ArrayList<>();
      for (int j = 0; j < config.numResBlocks() + 1; j++) {
        lb.add(new ResnetBlock(ck, path + "/ResnetBlock_" + j, c, out, gemm));
        c = out;
      }
      blocks.add(lb);
      upsamples.add(level == 0 ? null : Layers.conv(ck, path + "/Upsample_0/Conv_0", 3, c, c, gemm));
    }
    normOut = Layers.norm(ck, d + "GroupNorm_0", c);
    convOut = Layers.conv(ck, d + "Conv_1", 3, c, config.inChannels(), gemm);
  }

  /** Images in [−1, 1] from quantised latents. */
  public FeatureMap forward(FeatureMap latents) {
    FeatureMap h = convIn.forward(postQuantConv.forward(latents));
    for (ResnetBlock b : mid) h = b.forward(h);
    for (int k = 0; k < blocks.size(); k++) {
      for (ResnetBlock b : blocks.get(k)) h = b.forward(h);
      if (upsamples.get(k) != null) h = upsamples.get(k).forward(Layers.upsample2x(h));
    }
    FeatureMap out = convOut.forward(normOut.forward(h, true));
    for (int i = 0; i < out.data.length; i++) out.data[i] = Math.max(-1f, Math.min(1f, out.data[i]));
    return out;
  }
}
