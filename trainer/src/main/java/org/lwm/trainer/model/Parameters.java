package org.lwm.trainer.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Every weight of the model as a flat row-major float32 array, under Hugging Face {@code LlamaForCausalLM}
 * names (plus LWM's {@code model.vision_embed_tokens.weight} and {@code vision_head.weight}). The same class
 * holds gradients and optimizer moments, so they line up name for name.
 */
public final class Parameters {
  /** One decoder layer's weights; linear weights are [out, in] as in PyTorch. */
  public static final class Layer {
    public final float[] inputNorm, q, k, v, o, postNorm, gate, up, down;

    Layer(ModelConfig c) {
      int d = c.hidden(), hd = c.headDim(), i = c.intermediate();
      inputNorm = new float[d];
      q = new float[c.heads() * hd * d];
      k = new float[c.kvHeads() * hd * d];
      v = new float[c.kvHeads() * hd * d];
      o = new float[d * c.heads() * hd];
      postNorm = new float[d];
      gate = new float[i * d];
      up = new float[i * d];
      down = new float[d * i];
    }
  }

  public final ModelConfig config;
  public final float[] embed, norm, lmHead, visionEmbed, visionHead;
  public final Layer[] layers;
  private final Map<String, float[]> byName = new LinkedHashMap<>();
  private final Map<String, int[]> shapes = new LinkedHashMap<>();

  private Parameters(ModelConfig c) {
    this.config = c;
    int d = c.hidden(), hd = c.headDim();
    embed = add("model.embed_tokens.weight", new float[c.vocabSize() * d], c.vocabSize(), d);
    if (c.visionVocabSize() > 0) {
      visionEmbed = add("model.vision_embed_tokens.weight", new float[c.visionVocabSize() * d], c.visionVocabSize(), d);
    } else {
      visionEmbed = null;
    }
    layers = new Layer[c.layers()];
    for (int l = 0; l < layers.length; l++) {
      Layer y = layers[l] = new Layer(c);
      String p = "model.layers." + l + ".";
      add(p + "input_layernorm.weight", y.inputNorm, d);
      add(p + "self_attn.q_proj.weight", y.q, c.heads() * hd, d);
      add(p + "self_attn.k_proj.weight", y.k, c.kvHeads() * hd, d);
      add(p + "self_attn.v_proj.weight", y.v, c.kvHeads() * hd, d);
      add(p + "self_attn.o_proj.weight", y.o, d, c.heads() * hd);
      add(p + "post_attention_layernorm.weight", y.postNorm, d);
      add(p + "mlp.gate_proj.weight", y.gate, c.intermediate(), d);
      add(p + "mlp.up_proj.weight", y.up, c.intermediate(), d);
      add(p + "mlp.down_proj.weight", y.down, d, c.intermediate());
    }
    norm = add("model.norm.weight", new float[d], d);
    lmHead = add("lm_head.weight", new float[c.vocabSize() * d], c.vocabSize(), d);
    visionHead = c.visionVocabSize() > 0
        ? add("vision_head.weight", new float[c.visionVocabSize() * d], c.visionVocabSize(), d) : null;
  }

  private float[] add(String name, float[] data, int... shape) {
    byName.put(name, data);
    shapes.put(name, shape);
    return data;
  }

  public static Parameters zeros(ModelConfig c) {
    return new Parameters(c);
  }

  /**
   * Hugging Face's LLaMA initialisation: every matrix N(0, 0.02²), norms 1; seeded, and each tensor drawn from
   * its own stream so adding a tensor does not change the others.
   */
  public static Parameters init(ModelConfig c, long seed) {
    Parameters p = new Parameters(c);
    SplittableRandom root = new SplittableRandom(seed);
    for (Map.Entry<String, float[]> e : p.byName.entrySet()) {
      SplittableRandom r = root.split();
      float[] w = e.getValue();
      if (e.getKey().endsWith("norm.weight")) {
        java.util.Arrays.fill(w, 1f);
      } else {
        for (int i = 0; i < w.length; i++) w[i] = (float) (gaussian(r) * 0.02);
      }
    }
    return p;
  }

  private static double gaussian(SplittableRandom r) {
    double u = r.nextDouble(), v = r.nextDouble();
    return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
  }

  /** Name → data, in checkpoint order. */
  public Map<String, float[]> named() {
    return byName;
  }

  public int[] shape(String name) {
    return shapes.get(name);
  }

  public float[] get(String name) {
    return byName.get(name);
  }

  /** Norm weights are exempt from weight decay (as in LWM's optimizer mask). */
  public static boolean decays(String name) {
    return !name.endsWith("norm.weight");
  }

  public void zero() {
    for (float[] a : byName.values()) java.util.Arrays.fill(a, 0f);
  }

  public void addFrom(Parameters other) {
    for (Map.Entry<String, float[]> e : byName.entrySet()) {
      float[] a = e.getValue(), b = other.byName.get(e.getKey());
      for (int i = 0; i < a.length; i++) a[i] += b[i];
    }
  }

  public void copyFrom(Parameters other) {
    for (Map.Entry<String, float[]> e : byName.entrySet()) {
      float[] src = other.byName.get(e.getKey());
      System.arraycopy(src, 0, e.getValue(), 0, src.length);
    }
  }

  public Parameters copy() {
    Parameters p = new Parameters(config);
    p.copyFrom(this);
    return p;
  }
}
