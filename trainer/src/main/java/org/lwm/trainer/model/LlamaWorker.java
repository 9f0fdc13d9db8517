package org.lwm.trainer.model;

import java.util.ArrayList;
import java.util.List;
import org.lwm.core.cli.UserError;
import org.lwm.trainer.backend.AttentionShape;
import org.lwm.trainer.backend.Backend;
import org.lwm.trainer.ring.RingAttention;
import org.lwm.trainer.ring.Transport;

/**
 * One sequence-parallel worker's forward and backward pass of the whole decoder over its shard of a row
 * (T of the row's L positions). Everything but attention is per position, so it runs on the shard alone;
 * attention goes round the ring ({@link RingAttention}). Parameter gradients accumulate into this worker's own
 * {@code grads}; the caller sums them over workers.
 *
 * <p>Loss: each position p with target weight w_p contributes c_p·CE_p, where c_p = w_p·(½ if both modalities
 * have targets in the batch)/Σw of its modality over the batch, which the caller computes beforehand — so the
 * backward can start inside the forward's loss chunks (fused cross-entropy: logits exist only for
 * {@code lossChunk} positions at a time, and only for positions that carry loss).
 *
 * <p>Structure (llm.c style): {@link #layerForward} and {@link #layerBackward} are one decoder layer's two
 * directions, the backward mirroring the forward step for step in reverse; all arithmetic goes through the
 * {@link Backend}, so this class only decides what is computed in which order and what is kept.
 */
public final class LlamaWorker {
  private final ModelConfig cfg;
  private final Parameters w;
  private final Parameters grads;
  private final Transport ring;
  private final Backend backend;
  private final RingAttention attention;
  private final int lossChunk;
  private final boolean recompute;
  private final int mlpChunk;

  /** What one layer's forward keeps for its backward (all [T, ·]). */
  private static final class LayerActivations {
    float[] xIn, rstd1, xn1, q, k, v, attn, lse, xMid, rstd2, xn2, gate, up;
  }

  public LlamaWorker(ModelConfig cfg, Parameters weights, Parameters grads, Transport ring, int queryChunk, int keyChunk,
      int lossChunk) {
    this(cfg, weights, grads, ring, queryChunk, keyChunk, lossChunk, false, 1024);
  }

  /**
   * With {@code recompute}, a layer keeps only its input during the forward and is run again (ring included)
   * in the backward: activation memory is one layer's worth plus N inputs of [T, D]; the forward MLP then runs
   * {@code mlpChunk} positions at a time.
   */
  public LlamaWorker(ModelConfig cfg, Parameters weights, Parameters grads, Transport ring, int queryChunk, int keyChunk,
      int lossChunk, boolean recompute, int mlpChunk) {
    this(cfg, weights, grads, ring, queryChunk, keyChunk, lossChunk, recompute, mlpChunk, Backend.cpu());
  }

  public LlamaWorker(ModelConfig cfg, Parameters weights, Parameters grads, Transport ring, int queryChunk, int keyChunk,
      int lossChunk, boolean recompute, int mlpChunk, Backend backend) {
    this.backend = backend;
    this.recompute = recompute;
    this.mlpChunk = mlpChunk;
    this.cfg = cfg;
    this.w = weights;
    this.grads = grads;
    this.ring = ring;
    this.attention = new RingAttention(new AttentionShape(cfg.heads(), cfg.kvHeads(), cfg.headDim(), queryChunk, keyChunk), backend);
    this.lossChunk = lossChunk;
  }

  public RingAttention attention() {
    return attention;
  }

  /** The shard a worker holds: row index, ids, flags and loss coefficient of each of its T positions. */
  public record Shard(long seqId, int[] index, int[] inputIds, boolean[] inputVision, int[] targetIds,
      boolean[] targetVision, float[] coefficient, int[] segment, int[] position) {
    int length() {
      return index.length;
    }
  }

  /**
   * Runs the shard forward (and backward when {@code backward}); returns {Σ c·CE over text targets,
   * Σ c·CE over vision targets, Σ w·CE text, Σ w·CE vision} for this shard. {@code textLogits} [T, V], when not
   * null, receives the text head's logits at every position.
   */
  public double[] run(Shard s, float[] weights, boolean backward, float[] textLogits) throws InterruptedException {
    int t = s.length(), d = cfg.hidden(), hd = cfg.headDim(), hq = cfg.heads() * hd, hk = cfg.kvHeads() * hd;
    int inter = cfg.intermediate();
    float[] x = new float[t * d];
    embed(s, x);
    LayerActivations[] acts = new LayerActivations[cfg.layers()];
    for (int l = 0; l < cfg.layers(); l++) {
      if (recompute && backward) {
        // keep only the layer's input; the backward reruns the layer (ring included) to get the rest back
        LayerActivations a = acts[l] = new LayerActivations();
        a.xIn = x.clone();
        layerForward(l, x, s, false);
      } else {
        acts[l] = layerForward(l, x, s, backward);
      }
    }
    float[] rstdF = new float[t], xf = new float[t * d];
    backend.rmsnormForward(x, w.norm, xf, rstdF, t, d, cfg.rmsEps());
    if (textLogits != null) backend.linearForward(xf, 0, w.lmHead, textLogits, 0, t, d, cfg.vocabSize(), false);

    float[] dxf = backward ? new float[t * d] : null;
    double[] loss = new double[4];
    lossAndHeadGradient(s, weights, xf, dxf, false, loss);
    lossAndHeadGradient(s, weights, xf, dxf, true, loss);
    if (!backward) return loss;

    float[] dx = new float[t * d];
    backend.rmsnormBackward(x, w.norm, rstdF, dxf, dx, grads.norm, t, d);
    for (int l = cfg.layers() - 1; l >= 0; l--) {
      LayerActivations a = acts[l];
      acts[l] = null;
      if (a.q == null) a = layerForward(l, a.xIn.clone(), s, true); // recomputation: the layer again, ring included
      layerBackward(l, a, dx, s);
    }
    embedBackward(s, dx);
    return loss;
  }

  /**
   * One decoder layer forward on the shard, updating x in place: x += attn(x); x += mlp(x). With {@code keep},
   * returns everything the backward needs; without, the MLP runs mlpChunk positions at a time and only the
   * attention's O(T) buffers are allocated, so memory stays bounded by the chunk sizes.
   */
  private LayerActivations layerForward(int l, float[] x, Shard s, boolean keep) throws InterruptedException {
    int t = s.length(), d = cfg.hidden(), hd = cfg.headDim(), hq = cfg.heads() * hd, hk = cfg.kvHeads() * hd;
    int inter = cfg.intermediate();
    Parameters.Layer p = w.layers[l];
    LayerActivations a = new LayerActivations();
    a.xIn = keep ? x.clone() : null;
    // attention: x_mid = x_in + attn(rope(xn1·Wqᵀ), rope(xn1·Wkᵀ), xn1·Wvᵀ)·Woᵀ, xn1 = rmsnorm(x_in)
    a.rstd1 = new float[t];
    a.xn1 = new float[t * d];
    backend.rmsnormForward(x, p.inputNorm, a.xn1, a.rstd1, t, d, cfg.rmsEps());
    a.q = new float[t * hq];
    a.k = new float[t * hk];
    a.v = new float[t * hk];
    backend.linearForward(a.xn1, 0, p.q, a.q, 0, t, d, hq, false);
    backend.linearForward(a.xn1, 0, p.k, a.k, 0, t, d, hk, false);
    backend.linearForward(a.xn1, 0, p.v, a.v, 0, t, d, hk, false);
    backend.ropeForward(a.q, s.position(), t, cfg.heads(), hd, cfg.ropeTheta());
    backend.ropeForward(a.k, s.position(), t, cfg.kvHeads(), hd, cfg.ropeTheta());
    a.attn = new float[t * hq];
    a.lse = new float[cfg.heads() * t];
    attention.forward(ring, a.q, a.k, a.v, s.index(), s.segment(), t, a.attn, a.lse);
    backend.linearForward(a.attn, 0, p.o, x, 0, t, hq, d, true); // residual: x += attn·Woᵀ
    // MLP: x_out = x_mid + swiglu(xn2·Wgᵀ, xn2·Wuᵀ)·Wdᵀ, xn2 = rmsnorm(x_mid)
    a.xMid = keep ? x.clone() : null;
    a.rstd2 = new float[t];
    a.xn2 = new float[t * d];
    backend.rmsnormForward(x, p.postNorm, a.xn2, a.rstd2, t, d, cfg.rmsEps());
    if (keep) {
      a.gate = new float[t * inter];
      a.up = new float[t * inter];
      backend.linearForward(a.xn2, 0, p.gate, a.gate, 0, t, d, inter, false);
      backend.linearForward(a.xn2, 0, p.up, a.up, 0, t, d, inter, false);
      float[] h = new float[t * inter];
      backend.swigluForward(a.gate, a.up, h, t * inter);
      backend.linearForward(h, 0, p.down, x, 0, t, inter, d, true); // residual: x += h·Wdᵀ
      return a;
    }
    // chunked MLP: the [T, I] intermediates exist only mlpChunk rows at a time
    int c = Math.min(t, mlpChunk);
    float[] gate = new float[c * inter], up = new float[c * inter], h = new float[c * inter];
    for (int p0 = 0; p0 < t; p0 += c) {
      int n = Math.min(c, t - p0);
      backend.linearForward(a.xn2, p0 * d, p.gate, gate, 0, n, d, inter, false);
      backend.linearForward(a.xn2, p0 * d, p.up, up, 0, n, d, inter, false);
      backend.swigluForward(gate, up, h, n * inter);
      backend.linearForward(h, 0, p.down, x, p0 * d, n, inter, d, true);
    }
    return null;
  }

  /**
   * Backward of {@link #layerForward} for layer l, its steps in reverse: on entry dx is ∂L/∂x_out, on return
   * ∂L/∂x_in (the residual adds pass it straight through, so each branch adds to it); parameter gradients go
   * into this worker's grads.
   */
  private void layerBackward(int l, LayerActivations a, float[] dx, Shard s) throws InterruptedException {
    int t = s.length(), d = cfg.hidden(), hd = cfg.headDim(), hq = cfg.heads() * hd, hk = cfg.kvHeads() * hd;
    int inter = cfg.intermediate();
    Parameters.Layer p = w.layers[l], g = grads.layers[l];
    // MLP: forward was x_out = x_mid + swiglu(xn2·Wgᵀ, xn2·Wuᵀ)·Wdᵀ, xn2 = rmsnorm(x_mid)
    float[] h = new float[t * inter];
    backend.swigluForward(a.gate, a.up, h, t * inter);
    float[] dh = new float[t * inter];
    backend.linearBackward(h, 0, p.down, dx, 0, dh, 0, g.down, t, inter, d, false);
    float[] dGate = h, dUp = new float[t * inter]; // h is no longer needed: reuse it for dGate
    backend.swigluBackward(a.gate, a.up, dh, dGate, dUp, t * inter);
    float[] dxn2 = new float[t * d];
    backend.linearBackward(a.xn2, 0, p.gate, dGate, 0, dxn2, 0, g.gate, t, d, inter, false);
    backend.linearBackward(a.xn2, 0, p.up, dUp, 0, dxn2, 0, g.up, t, d, inter, true);
    backend.rmsnormBackward(a.xMid, p.postNorm, a.rstd2, dxn2, dx, g.postNorm, t, d);
    // attention: forward was x_mid = x_in + attn(rope(xn1·Wqᵀ), rope(xn1·Wkᵀ), xn1·Wvᵀ)·Woᵀ, xn1 = rmsnorm(x_in)
    float[] dAttn = new float[t * hq];
    backend.linearBackward(a.attn, 0, p.o, dx, 0, dAttn, 0, g.o, t, hq, d, false);
    float[] dq = new float[t * hq], dk = new float[t * hk], dv = new float[t * hk];
    attention.backward(ring, a.q, a.k, a.v, s.index(), s.segment(), t, a.attn, a.lse, dAttn, dq, dk, dv);
    backend.ropeBackward(dq, s.position(), t, cfg.heads(), hd, cfg.ropeTheta());
    backend.ropeBackward(dk, s.position(), t, cfg.kvHeads(), hd, cfg.ropeTheta());
    float[] dxn1 = new float[t * d];
    backend.linearBackward(a.xn1, 0, p.q, dq, 0, dxn1, 0, g.q, t, d, hq, false);
    backend.linearBackward(a.xn1, 0, p.k, dk, 0, dxn1, 0, g.k, t, d, hk, true);
    backend.linearBackward(a.xn1, 0, p.v, dv, 0, dxn1, 0, g.v, t, d, hk, true);
    backend.rmsnormBackward(a.xIn, p.inputNorm, a.rstd1, dxn1, dx, g.inputNorm, t, d);
  }

  private void embed(Shard s, float[] x) {
    int d = cfg.hidden();
    for (int p = 0; p < s.length(); p++) {
      int id = s.inputIds()[p];
      boolean vision = s.inputVision()[p];
      float[] table = vision ? w.visionEmbed : w.embed;
      int rows = vision ? cfg.visionVocabSize() : cfg.vocabSize();
      if (table == null) {
        throw new UserError("row " + s.seqId() + " position " + s.index()[p] + ": a vision input but the model has no "
            + "vision vocabulary (vision_vocab_size is 0 in config.json)");
      }
      if (id < 0 || id >= rows) {
        throw new UserError("row " + s.seqId() + " position " + s.index()[p] + ": input id " + id + " is outside the "
            + (vision ? "vision" : "text") + " vocabulary of " + rows);
      }
      System.arraycopy(table, id * d, x, p * d, d);
    }
  }

  private void embedBackward(Shard s, float[] dx) {
    int d = cfg.hidden();
    for (int p = 0; p < s.length(); p++) {
      float[] table = s.inputVision()[p] ? grads.visionEmbed : grads.embed;
      int o = s.inputIds()[p] * d;
      for (int i = 0; i < d; i++) table[o + i] += dx[p * d + i];
    }
  }

  /**
   * Cross-entropy of one modality's head over the positions that carry loss, lossChunk at a time: logits,
   * CE, dlogits = c·(softmax − onehot), then dxf += dlogits·W and dW += dlogitsᵀ·xf straight away.
   */
  private void lossAndHeadGradient(Shard s, float[] weights, float[] xf, float[] dxf, boolean vision, double[] loss) {
    int d = cfg.hidden();
    List<Integer> positions = new ArrayList<>();
    for (int p = 0; p < s.length(); p++) {
      if (s.targetVision()[p] == vision && s.coefficient()[p] != 0f) positions.add(p);
    }
    if (positions.isEmpty()) return;
    float[] head = vision ? w.visionHead : w.lmHead;
    float[] headGrad = grads == null ? null : vision ? grads.visionHead : grads.lmHead;
    int v = vision ? cfg.visionVocabSize() : cfg.vocabSize();
    if (head == null) {
      throw new UserError("row " + s.seqId() + ": vision targets carry loss but the model has no vision head "
          + "(vision_vocab_size is 0 in config.json)");
    }
    int chunk = Math.max(1, lossChunk);
    float[] hx = new float[chunk * d], logits = new float[chunk * v], dhx = new float[chunk * d];
    for (int c0 = 0; c0 < positions.size(); c0 += chunk) {
      int c = Math.min(chunk, positions.size() - c0);
      for (int i = 0; i < c; i++) System.arraycopy(xf, positions.get(c0 + i) * d, hx, i * d, d);
      backend.linearForward(hx, 0, head, logits, 0, c, d, v, false);
      for (int i = 0; i < c; i++) {
        int p = positions.get(c0 + i), target = s.targetIds()[p];
        if (target < 0 || target >= v) {
          throw new UserError("row " + s.seqId() + " position " + s.index()[p] + ": target id " + target
              + " is outside the " + (vision ? "vision" : "text") + " vocabulary of " + v);
        }
        double ce = backend.crossEntropyForwardBackward(logits, i * v, v, target, s.coefficient()[p]);
        loss[vision ? 1 : 0] += s.coefficient()[p] * ce;
        loss[vision ? 3 : 2] += weights[p] * ce;
      }
      if (dxf == null) continue;
      // forward was logits = hx·Wᵀ: dhx = dlogits·W, dW += dlogitsᵀ·hx
      backend.linearBackward(hx, 0, head, logits, 0, dhx, 0, headGrad, c, d, v, false);
      for (int i = 0; i < c; i++) {
        int o = positions.get(c0 + i) * d;
        for (int j = 0; j < d; j++) dxf[o + j] += dhx[i * d + j];
      }
    }
  }
}
