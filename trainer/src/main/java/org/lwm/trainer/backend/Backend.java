package org.lwm.trainer.backend;

/**
 * The per-rank math of a training step, behind one small seam: everything a worker computes on its own shard
 * (linear layers, RMSNorm, RoPE, SwiGLU, the attention tiles of one key/value block, fused cross-entropy, AdamW),
 * and nothing about who holds which positions or how blocks travel — that is the runtime's (RankProgram, the
 * launchers, RingAttention's ring). {@link CpuBackend} is the implementation on this machine's cores; another
 * (a GPU's) implements the same calls without touching the runtime.
 *
 * <p>Shapes in one-letter names as in the model: T positions of this shard, D hidden, I intermediate, V vocabulary,
 * H query heads and KV key/value heads of hd; activations are row-major [T, ·] float arrays. Each backward is the
 * exact gradient of its forward, and "accumulate" adds to the output instead of overwriting it.
 */
public interface Backend {
  /** What runs underneath, for logs. */
  String name();

  /** The CPU implementation (OpenBLAS SGEMM and Java loops). */
  static Backend cpu() {
    return CpuBackend.INSTANCE;
  }

  /** Linear layer without bias (PyTorch nn.Linear): y[rows, out] (+)= x[rows, in] · W[out, in]ᵀ, rows at offsets. */
  void linearForward(float[] x, int xOff, float[] w, float[] y, int yOff, int rows, int in, int out, boolean accumulate);

  /** Backward of {@link #linearForward}: dx[rows, in] (+)= dy·W (when dx is not null), then dW[out, in] += dyᵀ·x (when dW is not null). */
  void linearBackward(float[] x, int xOff, float[] w, float[] dy, int dyOff, float[] dx, int dxOff, float[] dw, int rows,
      int in, int out, boolean accumulateDx);

  /** RMSNorm over [T, D]: out = w ∘ x · r, r = 1/√(mean(x²) + eps); stores r [T] for the backward. */
  void rmsnormForward(float[] x, float[] w, float[] out, float[] rstd, int t, int d, double eps);

  /** Backward of RMSNorm: dx [T, D] += ∂L/∂x, dw [D] += ∂L/∂w. */
  void rmsnormBackward(float[] x, float[] w, float[] rstd, float[] dy, float[] dx, float[] dw, int t, int d);

  /** Rotate-half RoPE on [T, heads·hd] in place at each position's rotary position. */
  void ropeForward(float[] x, int[] positions, int t, int heads, int hd, double theta);

  /** Backward of RoPE in place: the inverse rotation (it is orthogonal). */
  void ropeBackward(float[] dx, int[] positions, int t, int heads, int hd, double theta);

  /** SwiGLU over n elements: h = silu(g) ∘ u. */
  void swigluForward(float[] g, float[] u, float[] h, int n);

  /** Backward of SwiGLU: writes dg and du (not accumulated). */
  void swigluBackward(float[] g, float[] u, float[] dh, float[] dg, float[] du, int n);

  /**
   * Fused cross-entropy of one row of logits z[off, off+V) with coefficient c: returns logsumexp(z) − z_target and
   * overwrites z with dL/dz = c·(softmax(z) − onehot(target)).
   */
  double crossEntropyForwardBackward(float[] z, int off, int v, int target, float c);

  /** Starts a forward over the ring's blocks: m [H·T] = −∞, l [H·T] = 0, out [T, H·hd] = 0. */
  void attentionForwardBegin(AttentionShape a, int t, float[] m, float[] l, float[] out);

  /**
   * The forward's attention tiles of this worker's queries q [T, H·hd] against one key/value block k, v [Tk, KV·hd]
   * (any worker's), skipping tiles the causal and segment mask closes (a key attends only where its row index ≤ the
   * query's and its segment is the query's): S = scale·Q Kᵀ, online softmax into the running max m and sum l,
   * out += P V (unnormalised). Returns {tiles computed, tiles skipped}.
   */
  long[] attentionForward(AttentionShape a, float[] q, int[] qIndex, int[] qSegment, int t, float[] k, float[] v,
      int[] kIndex, int[] kSegment, int tk, float[] m, float[] l, float[] out);

  /** Ends the forward after the last block: out /= l, lse [H·T] = m + log l. */
  void attentionForwardEnd(AttentionShape a, int t, float[] m, float[] l, float[] out, float[] lse);

  /** Starts the backward: D [H·T] = Σ_d dO·O per query and head (the softmax backward's row term); dq = 0. */
  void attentionBackwardBegin(AttentionShape a, int t, float[] out, float[] dOut, float[] rowDot, float[] dq);

  /**
   * The backward's tiles against one key/value block, P recomputed from the forward's lse: dq [T, H·hd] += ∂/∂q,
   * dk, dv [Tk, KV·hd] += this worker's queries' share of ∂/∂k, ∂/∂v.
   */
  void attentionBackward(AttentionShape a, float[] q, int[] qIndex, int[] qSegment, int t, float[] k, float[] v,
      int[] kIndex, int[] kSegment, int tk, float[] lse, float[] rowDot, float[] dOut, float[] dq, float[] dk, float[] dv);

  /**
   * One AdamW step on a tensor of n elements: m = β₁m + (1−β₁)g, v = β₂v + (1−β₂)g², then
   * p −= lr·(m/c1 / (√(v/c2) + ε) + decay·p), c1, c2 the bias corrections.
   */
  void adamwUpdate(float[] p, float[] g, float[] m, float[] v, double lr, float beta1, float beta2, double eps, float decay,
      double c1, double c2);
}
