package org.lwm.trainer.inference;

import java.util.List;
import org.lwm.core.cli.UserError;
import org.lwm.trainer.backend.AttentionShape;
import org.lwm.trainer.backend.Backend;
import org.lwm.trainer.model.ModelConfig;
import org.lwm.trainer.model.Parameters;

/**
 * The model's forward for generation: new tokens of several sequences at once against each one's {@link KvCache}.
 * The linear layers run once over the rows of all sequences (that is what batching requests buys); attention runs
 * per sequence over its cache with the backend's blockwise tiles. The same backend calls, in the same order, as the
 * training forward ({@code LlamaWorker.layerForward}), so a cached step's logits equal the uncached forward's.
 */
public final class Decoder {
  private final ModelConfig cfg;
  private final Parameters w;
  private final Backend backend;
  private final AttentionShape shape;

  public Decoder(Parameters weights, Backend backend) {
    this.cfg = weights.config;
    this.w = weights;
    this.backend = backend;
    this.shape = new AttentionShape(cfg.heads(), cfg.kvHeads(), cfg.headDim(), 256, 256);
  }

  public ModelConfig config() {
    return cfg;
  }

  /** A new, empty cache for one sequence. */
  public KvCache newCache(int expectedLength) {
    return new KvCache(cfg, expectedLength);
  }

  /**
   * Appends {@code tokens[i]} (vision ids where {@code vision[i][p]}) to sequence i's cache and returns, per
   * sequence, the final RMSNorm'd hidden state [T_i, D] of its new positions (all, or only the last with
   * {@code lastOnly}); apply a head with {@link #logits}.
   */
  public float[][] forward(List<KvCache> caches, List<int[]> tokens, List<boolean[]> vision, boolean lastOnly) {
    int n = caches.size(), d = cfg.hidden(), hd = cfg.headDim(), hq = cfg.heads() * hd, hk = cfg.kvHeads() * hd;
    int inter = cfg.intermediate();
    int[] start = new int[n + 1];
    for (int i = 0; i < n; i++) start[i + 1] = start[i] + tokens.get(i).length;
    int rows = start[n];
    int[] positions = new int[rows];
    float[] x = new float[rows * d];
    for (int i = 0; i < n; i++) {
      KvCache c = caches.get(i);
      int[] ids = tokens.get(i);
      c.reserve(ids.length);
      for (int p = 0; p < ids.length; p++) {
        boolean vis = vision != null && vision.get(i) != null && vision.get(i)[p];
        float[] table = vis ? w.visionEmbed : w.embed;
        int size = vis ? cfg.visionVocabSize() : cfg.vocabSize();
        if (table == null) throw new UserError("a vision token, but the model has no vision vocabulary (vision_vocab_size 0)");
        if (ids[p] < 0 || ids[p] >= size) {
          throw new UserError("token id " + ids[p] + " is outside the " + (vis ? "vision" : "text") + " vocabulary of " + size);
        }
        System.arraycopy(table, ids[p] * d, x, (start[i] + p) * d, d);
        positions[start[i] + p] = c.length + p;
      }
    }
    float[] xn = new float[rows * d], rstd = new float[rows], q = new float[rows * hq], k = new float[rows * hk],
        v = new float[rows * hk], attn = new float[rows * hq], gate = new float[rows * inter], up = new float[rows * inter],
        h = new float[rows * inter];
    for (int l = 0; l < cfg.layers(); l++) {
      Parameters.Layer p = w.layers[l];
      backend.rmsnormForward(x, p.inputNorm, xn, rstd, rows, d, cfg.rmsEps());
      backend.linearForward(xn, 0, p.q, q, 0, rows, d, hq, false);
      backend.linearForward(xn, 0, p.k, k, 0, rows, d, hk, false);
      backend.linearForward(xn, 0, p.v, v, 0, rows, d, hk, false);
      backend.ropeForward(q, positions, rows, cfg.heads(), hd, cfg.ropeTheta());
      backend.ropeForward(k, positions, rows, cfg.kvHeads(), hd, cfg.ropeTheta());
      for (int i = 0; i < n; i++) attend(l, caches.get(i), start[i], start[i + 1] - start[i], q, k, v, attn);
      backend.linearForward(attn, 0, p.o, x, 0, rows, hq, d, true);
      backend.rmsnormForward(x, p.postNorm, xn, rstd, rows, d, cfg.rmsEps());
      backend.linearForward(xn, 0, p.gate, gate, 0, rows, d, inter, false);
      backend.linearForward(xn, 0, p.up, up, 0, rows, d, inter, false);
      backend.swigluForward(gate, up, h, rows * inter);
      backend.linearForward(h, 0, p.down, x, 0, rows, inter, d, true);
    }
    for (int i = 0; i < n; i++) caches.get(i).length += tokens.get(i).length;
    backend.rmsnormForward(x, w.norm, xn, rstd, rows, d, cfg.rmsEps());
    float[][] out = new float[n][];
    for (int i = 0; i < n; i++) {
      int from = lastOnly ? start[i + 1] - 1 : start[i];
      out[i] = java.util.Arrays.copyOfRange(xn, from * d, start[i + 1] * d);
    }
    return out;
  }

  /** Sequence {@code c}'s new rows [from, from+t) of q/k/v: their keys and values join the cache, then attention over it. */
  private void attend(int layer, KvCache c, int from, int t, float[] q, float[] k, float[] v, float[] attn) {
    int hq = cfg.heads() * cfg.headDim(), hk = cfg.kvHeads() * cfg.headDim(), len = c.length + t;
    System.arraycopy(k, from * hk, c.keys[layer], c.length * hk, t * hk);
    System.arraycopy(v, from * hk, c.values[layer], c.length * hk, t * hk);
    int[] qIndex = new int[t], qSeg = new int[t];
    for (int p = 0; p < t; p++) {
      qIndex[p] = c.length + p;
      qSeg[p] = 1;
    }
    if (layer == 0) {
      for (int p = 0; p < t; p++) {
        c.index[c.length + p] = c.length + p;
        c.segment[c.length + p] = 1;
      }
    }
    float[] qs = java.util.Arrays.copyOfRange(q, from * hq, (from + t) * hq);
    float[] m = new float[cfg.heads() * t], l = new float[cfg.heads() * t], o = new float[t * hq], lse = new float[cfg.heads() * t];
    backend.attentionForwardBegin(shape, t, m, l, o);
    backend.attentionForward(shape, qs, qIndex, qSeg, t, c.keys[layer], c.values[layer], c.index, c.segment, len, m, l, o);
    backend.attentionForwardEnd(shape, t, m, l, o, lse);
    System.arraycopy(o, 0, attn, from * hq, t * hq);
  }

  /** Logits [T, V] of hidden states [T, D] through the text head, or the vision head with {@code vision}. */
  public float[] logits(float[] hidden, boolean vision) {
    float[] head = vision ? w.visionHead : w.lmHead;
    if (head == null) throw new UserError("the model has no vision head (vision_vocab_size is 0 in config.json)");
    int v = vision ? cfg.visionVocabSize() : cfg.vocabSize(), t = hidden.length / cfg.hidden();
    float[] out = new float[t * v];
    backend.linearForward(hidden, 0, head, out, 0, t, cfg.hidden(), v, false);
    return out;
  }
}
