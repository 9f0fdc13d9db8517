package org.lwm.trainer.train;

import java.util.Map;
import org.lwm.trainer.backend.Backend;
import org.lwm.trainer.model.Parameters;

/**
 * AdamW as in optax/LWM: m = β₁m + (1−β₁)g, v = β₂v + (1−β₂)g², then
 * p −= lr·(m̂/(√v̂ + ε) + λ·p) with bias-corrected m̂, v̂ and decoupled weight decay λ on every tensor but
 * the norms. Moments are float32 tensors under the parameters' names (saved beside a checkpoint).
 */
public final class AdamW {
  public final double beta1, beta2, eps, weightDecay;
  public final Parameters m, v;
  public long step;
  private final Backend backend;

  public AdamW(Parameters like, double beta1, double beta2, double eps, double weightDecay) {
    this(like, beta1, beta2, eps, weightDecay, Backend.cpu());
  }

  public AdamW(Parameters like, double beta1, double beta2, double eps, double weightDecay, Backend backend) {
    this.backend = backend;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.m = Parameters.zeros(like.config);
    this.v = Parameters.zeros(like.config);
  }

  /** √Σg² over every gradient. */
  public static double globalNorm(Parameters grads) {
    double ss = 0;
    for (float[] g : grads.named().values()) for (float x : g) ss += (double) x * x;
    return Math.sqrt(ss);
  }

  /** Scales gradients so their global norm is at most {@code maxNorm}; returns the norm before clipping. */
  public static double clip(Parameters grads, double maxNorm) {
    double norm = globalNorm(grads);
    if (maxNorm > 0 && norm > maxNorm) {
      float s = (float) (maxNorm / (norm + 1e-6));
      for (float[] g : grads.named().values()) for (int i = 0; i < g.length; i++) g[i] *= s;
    }
    return norm;
  }

  public void update(Parameters params, Parameters grads, double lr) {
    step++;
    double c1 = 1 - Math.pow(beta1, step), c2 = 1 - Math.pow(beta2, step);
    float b1 = (float) beta1, b2 = (float) beta2;
    for (Map.Entry<String, float[]> e : params.named().entrySet()) {
      String name = e.getKey();
      float[] p = e.getValue(), g = grads.get(name), mm = m.get(name), vv = v.get(name);
      float decay = Parameters.decays(name) ? (float) weightDecay : 0f;
      backend.adamwUpdate(p, g, mm, vv, lr, b1, b2, eps, decay, c1, c2);
    }
  }
}
