package org.lwm.packing.pack;

import org.lwm.packing.format.FormattedExample;

/**
 * DESIGN §6 loss weights of one example: target t (token t predicted from tokens before it, t = 1…n−1) weighs
 * {@code loss_mask[t] / m} where m is the sum of the loss mask over the example's targets of the same modality
 * (vision targets and text targets apart). With 0/1 masks that is 1/m per loss token, so each example's weights
 * sum to 1 per modality it has loss targets in, wherever its pieces end up; Σ w·CE / Σ w over a packed batch is
 * then the mean over examples of each example's mean loss, as if each had its own padded row.
 */
public final class LossWeights {
  private LossWeights() {}

  /** weights[t] for t = 0…n−1 (weights[0] = 0: the first token is never a target). */
  public static float[] of(FormattedExample e) {
    int n = e.length();
    float[] mask = e.lossMask();
    boolean[] vision = e.visionMask();
    double text = 0, vis = 0;
    for (int t = 1; t < n; t++) {
      if (vision[t]) vis += mask[t];
      else text += mask[t];
    }
    float[] w = new float[n];
    for (int t = 1; t < n; t++) {
      double m = vision[t] ? vis : text;
      w[t] = m > 0 ? (float) (mask[t] / m) : 0f;
    }
    return w;
  }
}
