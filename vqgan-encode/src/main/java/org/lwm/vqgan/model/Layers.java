package org.lwm.vqgan.model;

import org.lwm.core.numeric.Gemm;
import org.lwm.vqgan.weights.Checkpoint;

/** Builds layers from a checkpoint's Flax paths, checking every shape. */
final class Layers {
  private Layers() {}

  static Conv2d conv(Checkpoint ck, String path, int k, int cin, int cout, Gemm gemm) {
    return new Conv2d(ck.get(path + "/kernel", k, k, cin, cout).data(), ck.get(path + "/bias", cout).data(), k, k, cin, cout, 1, Conv2d.Padding.SAME, gemm);
  }

  static Conv2d downsample(Checkpoint ck, String path, int c, Gemm gemm) {
    return new Conv2d(ck.get(path + "/kernel", 3, 3, c, c).data(), ck.get(path + "/bias", c).data(), 3, 3, c, c, 2, Conv2d.Padding.BOTTOM_RIGHT, gemm);
  }

  static GroupNorm norm(Checkpoint ck, String path, int c) {
    return new GroupNorm(ck.get(path + "/scale", c).data(), ck.get(path + "/bias", c).data());
  }

  /** Nearest-neighbour 2× upsampling (jax.image.resize "nearest" at an exact factor of 2). */
  static FeatureMap upsample2x(FeatureMap x) {
    FeatureMap out = new FeatureMap(x.n, x.h * 2, x.w * 2, x.c);
    Parallel.forEach(x.n * x.h * 2, row -> {
      int b = row / (x.h * 2);
      int oy = row % (x.h * 2);
      int src = (b * x.h + oy / 2) * x.w * x.c;
      int dst = row * x.w * 2 * x.c;
      for (int ox = 0; ox < x.w * 2; ox++) System.arraycopy(x.data, src + (ox / 2) * x.c, out.data, dst + ox * x.c, x.c);
    });
    return out;
  }
}
