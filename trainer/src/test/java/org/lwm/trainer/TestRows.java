package org.lwm.trainer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.lwm.core.records.PackedRow;
import org.lwm.trainer.model.ModelConfig;
import org.lwm.trainer.model.Parameters;

/** Small packed rows and models for the trainer's tests, made from a seed. */
public final class TestRows {
  private TestRows() {}

  /** A tiny model with vision and grouped-query attention, weights spread wider than HF's 0.02 to exercise the math. */
  public static Parameters model(long seed, double theta) {
    ModelConfig c = new ModelConfig(61, 37, 32, 48, 2, 4, 2, theta, 1e-5, 1024);
    Parameters p = Parameters.init(c, seed);
    Random r = new Random(seed);
    p.named().forEach((name, w) -> {
      for (int i = 0; i < w.length; i++) w[i] = name.endsWith("norm.weight") ? 1f + 0.2f * (float) r.nextGaussian() : w[i] * 10f;
    });
    return p;
  }

  /**
   * A row of length L packed with several examples of random lengths (text, or text then a vision span whose
   * targets are vision), positions restarting per segment, padding (segment 0, weight 0) at the end; each
   * example's loss weights sum to 1 per modality, 0 on its first (prompt) target.
   */
  public static PackedRow packed(long seqId, int length, Random r, int textVocab, int visionVocab, boolean vision) {
    int[] in = new int[length], tg = new int[length], seg = new int[length], pos = new int[length];
    float[] w = new float[length];
    boolean[] iv = new boolean[length], tv = new boolean[length];
    int p = 0, s = 0;
    int used = length - r.nextInt(Math.max(1, length / 6));
    while (p < used) {
      int n = Math.min(used - p, 2 + r.nextInt(Math.max(2, length / 3)));
      s++;
      boolean withVision = vision && n >= 6 && r.nextBoolean();
      int visionFrom = withVision ? n / 2 : n + 1;
      List<Integer> textTargets = new ArrayList<>(), visionTargets = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int at = p + i;
        seg[at] = s;
        pos[at] = i;
        iv[at] = i >= visionFrom;
        tv[at] = i + 1 >= visionFrom;
        in[at] = iv[at] ? r.nextInt(visionVocab) : r.nextInt(textVocab);
        tg[at] = tv[at] ? r.nextInt(visionVocab) : r.nextInt(textVocab);
        if (i > 0) (tv[at] ? visionTargets : textTargets).add(at);
      }
      for (int at : textTargets) w[at] = 1f / textTargets.size();
      for (int at : visionTargets) w[at] = 1f / visionTargets.size();
      p += n;
    }
    for (int at = used; at < length; at++) {
      tg[at] = 0;
      pos[at] = at - used;
    }
    return new PackedRow(seqId, in, tg, w, iv, tv, seg, pos, new String[0]);
  }

  public static List<PackedRow> batch(long seed, int rows, int length, Parameters p, boolean vision) {
    Random r = new Random(seed);
    List<PackedRow> out = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      out.add(packed(i, length, r, p.config.vocabSize(), p.config.visionVocabSize(), vision));
    }
    return out;
  }

  public static float maxAbs(float[] a) {
    float m = 0;
    for (float x : a) m = Math.max(m, Math.abs(x));
    return m;
  }

  /** max |a − b| / max(|b|_∞, floor): the relative error of a whole tensor. */
  public static double relError(float[] a, float[] b, double floor) {
    if (a.length != b.length) throw new AssertionError("lengths " + a.length + " vs " + b.length);
    double m = 0;
    for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
    return m / Math.max(maxAbs(b), floor);
  }

  public static String describe(float[] a) {
    return Arrays.toString(Arrays.copyOf(a, Math.min(6, a.length)));
  }
}
