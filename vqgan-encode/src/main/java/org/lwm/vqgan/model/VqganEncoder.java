package org.lwm.vqgan.model;

import java.util.ArrayList;
import java.util.List;
import org.lwm.core.numeric.Gemm;
import org.lwm.vqgan.weights.Checkpoint;

/**
 * LWM's Encoder followed by {@code quant_conv}: 3×3 conv in → per level, ResNet blocks then (but for the
 * last level) a stride-2 downsample → mid block (two ResNet blocks) → GroupNorm, SiLU, 3×3 conv to z
 * channels → 1×1 {@code quant_conv} to the codebook width. Images in [−1, 1], NHWC; out: latents at 1/2^(L−1)
 * of the input side.
 */
public final class VqganEncoder {
  private final VqganConfig config;
  private final Conv2d convIn;
  private final List<List<ResnetBlock>> blocks = new ArrayList<>();
  private final List<Conv2d> downsamples = new ArrayList<>();
  private final List<ResnetBlock> mid = new ArrayList<>();
  private final GroupNorm normOut;
  private final Conv2d convOut;
  private final Conv2d quantConv;

  public VqganEncoder(Checkpoint ck, VqganConfig config, Gemm gemm) {
    this.config = config;
    String e = "encoder/";
    convIn = Layers.conv(ck, e + "Conv_0", 3, config.inChannels(), config.hiddenChannels(), gemm);
    int c = config.hiddenChannels();
    for (int i = 0; i < config.levels(); i++) {
      String level = e + "DownsamplingBlock_" + i;
      List<ResnetBlock> lb = new ArrayList<>();
      int out = config.channels(i);
      for (int j = 0; j < config.numResBlocks(); j++) {
        lb.add(new ResnetBlock(ck, level + "/ResnetBlock_" + j, c, out, gemm));
        c = out;
      }
      blocks.add(lb);
      downsamples.add(i == config.levels() - 1 ? null : Layers.downsample(ck, level + "/Downsample_0/Conv_0", c, gemm));
    }
    mid.add(new ResnetBlock(ck, e + "MidBlock_0/ResnetBlock_0", c, c, gemm));
    mid.add(new ResnetBlock(ck, e + "MidBlock_0/ResnetBlock_1", c, c, gemm));
    normOut = Layers.norm(ck, e + "GroupNorm_0", c);
    convOut = Layers.conv(ck, e + "Conv_1", 3, c, config.zChannels(), gemm);
    quantConv = Layers.conv(ck, "quant_conv", 1, config.zChannels(), config.embedDim(), gemm);
  }

  /** Pre-quantisation latents (after quant_conv) for a batch of images. */
  public FeatureMap forward(FeatureMap images) {
    if (images.c != config.inChannels()) throw new IllegalArgumentException("encoder expects " + config.inChannels() + "-channel images, got " + images.c);
    FeatureMap h = convIn.forward(images);
    for (int i = 0; i < config.levels(); i++) {
      for (ResnetBlock b : blocks.get(i)) h = b.forward(h);
      if (downsamples.get(i) != null) h = downsamples.get(i).forward(h);
    }
    for (ResnetBlock b : mid) h = b.forward(h);
    h = convOut.forward(normOut.forward(h, true));
    return quantConv.forward(h);
  }

  /** Floating-point operations (multiply and add counted apart) of the convolutions for one image of side {@code size}. */
  public double flops(int size) {
    double f = convIn.flops(size, size);
    int s = size;
    for (int i = 0; i < config.levels(); i++) {
      for (ResnetBlock b : blocks.get(i)) f += b.flops(s);
      if (downsamples.get(i) != null) {
        f += downsamples.get(i).flops(s, s);
        s = downsamples.get(i).outSize(s);
      }
    }
    for (ResnetBlock b : mid) f += b.flops(s);
    return f + convOut.flops(s, s) + quantConv.flops(s, s);
  }
}
