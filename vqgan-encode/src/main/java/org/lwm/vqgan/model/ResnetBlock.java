package org.lwm.vqgan.model;

import org.lwm.core.numeric.Gemm;
import org.lwm.vqgan.weights.Checkpoint;

/**
 * LWM's ResnetBlock: GroupNorm → SiLU → 3×3 conv → GroupNorm → SiLU → (dropout, off) → 3×3 conv, plus the
 * input, through a 1×1 conv ({@code Conv_2}) when the channel count changes.
 */
final class ResnetBlock {
  private final GroupNorm norm0;
  private final Conv2d conv0;
  private final GroupNorm norm1;
  private final Conv2d conv1;
  private final Conv2d shortcut;

  ResnetBlock(Checkpoint ck, String path, int cin, int cout, Gemm gemm) {
    norm0 = Layers.norm(ck, path + "/GroupNorm_0", cin);
    conv0 = Layers.conv(ck, path + "/Conv_0", 3, cin, cout, gemm);
    norm1 = Layers.norm(ck, path + "/GroupNorm_1", cout);
    conv1 = Layers.conv(ck, path + "/Conv_1", 3, cout, cout, gemm);
    shortcut = cin == cout ? null : Layers.conv(ck, path + "/Conv_2", 1, cin, cout, gemm);
  }

  FeatureMap forward(FeatureMap x) {
    FeatureMap h = conv0.forward(norm0.forward(x, true));
    FeatureMap r = shortcut == null ? x : shortcut.forward(x);
    return conv1.forward(norm1.forward(h, true), r); // the residual is added as the convolution's output is written
  }

  double flops(int hw) {
    double f = conv0.flops(hw, hw) + conv1.flops(hw, hw);
    return shortcut == null ? f : f + shortcut.flops(hw, hw);
  }
}
