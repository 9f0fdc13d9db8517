package org.lwm.trainer.interop;

import java.io.IOException;
import java.nio.file.Path;
import org.lwm.core.cli.UserError;
import org.lwm.core.tensors.Gguf;
import org.lwm.core.tokenizer.SentencePieceModel.PieceType;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.trainer.model.ModelConfig;
import org.lwm.trainer.model.Parameters;

/**
 * A checkpoint's text model as a GGUF file for llama.cpp ("llama" architecture): LLaMA metadata (context length,
 * RoPE base and dimensions, RMSNorm epsilon, heads), the SentencePiece vocabulary with scores and token types,
 * BOS/EOS/UNK ids, and the tensors under llama.cpp's names. The q and k projections are permuted from Hugging
 * Face's rotate-half RoPE layout into the interleaved pairs llama.cpp rotates. LWM's vision table and head are not
 * part of a llama model and are left out.
 */
public final class GgufExport {
  private GgufExport() {}

  /** What was written, for the command's summary. */
  public record Summary(int tensors, int vocab, int padded, long parameters) {}

  public static Summary write(Parameters p, SentencePieceTokenizer tok, Path out, Gguf.Type type, String name) {
    ModelConfig c = p.config;
    if (c.vocabSize() < tok.vocabSize()) {
      throw new UserError("the checkpoint's vocab_size " + c.vocabSize() + " is smaller than the tokenizer's " + tok.vocabSize()
          + " pieces: is it the tokenizer the model was trained with?");
    }
    Gguf g = new Gguf()
        .put("general.architecture", "llama")
        .put("general.name", name)
        .putUInt("general.file_type", type == Gguf.Type.F32 ? 0 : 1)
        .putUInt("llama.context_length", c.maxPositions())
        .putUInt("llama.embedding_length", c.hidden())
        .putUInt("llama.block_count", c.layers())
        .putUInt("llama.feed_forward_length", c.intermediate())
        .putUInt("llama.attention.head_count", c.heads())
        .putUInt("llama.attention.head_count_kv", c.kvHeads())
        .putUInt("llama.rope.dimension_count", c.headDim())
        .put("llama.rope.freq_base", (float) c.ropeTheta())
        .put("llama.attention.layer_norm_rms_epsilon", (float) c.rmsEps())
        .putUInt("llama.vocab_size", c.vocabSize());
    int padded = vocabulary(g, tok, c.vocabSize());
    int d = c.hidden(), hd = c.headDim();
    // norms stay F32 as llama.cpp's own converter keeps 1-D tensors
    g.add(new Gguf.Tensor("token_embd.weight", new int[] {c.vocabSize(), d}, p.embed, type));
    for (int l = 0; l < c.layers(); l++) {
      Parameters.Layer y = p.layers[l];
      String b = "blk." + l + ".";
      g.add(new Gguf.Tensor(b + "attn_norm.weight", new int[] {d}, y.inputNorm, Gguf.Type.F32));
      g.add(new Gguf.Tensor(b + "attn_q.weight", new int[] {c.heads() * hd, d}, interleaveRope(y.q, c.heads(), hd, d), type));
      g.add(new Gguf.Tensor(b + "attn_k.weight", new int[] {c.kvHeads() * hd, d}, interleaveRope(y.k, c.kvHeads(), hd, d), type));
      g.add(new Gguf.Tensor(b + "attn_v.weight", new int[] {c.kvHeads() * hd, d}, y.v, type));
      g.add(new Gguf.Tensor(b + "attn_output.weight", new int[] {d, c.heads() * hd}, y.o, type));
      g.add(new Gguf.Tensor(b + "ffn_norm.weight", new int[] {d}, y.postNorm, Gguf.Type.F32));
      g.add(new Gguf.Tensor(b + "ffn_gate.weight", new int[] {c.intermediate(), d}, y.gate, type));
      g.add(new Gguf.Tensor(b + "ffn_up.weight", new int[] {c.intermediate(), d}, y.up, type));
      g.add(new Gguf.Tensor(b + "ffn_down.weight", new int[] {d, c.intermediate()}, y.down, type));
    }
    g.add(new Gguf.Tensor("output_norm.weight", new int[] {d}, p.norm, Gguf.Type.F32));
    g.add(new Gguf.Tensor("output.weight", new int[] {c.vocabSize(), d}, p.lmHead, type));
    try {
      g.write(out);
    } catch (IOException e) {
      throw new UserError("cannot write " + out + ": " + e.getMessage());
    }
    long params = p.embed.length + p.norm.length + p.lmHead.length;
    for (Parameters.Layer y : p.layers) {
      params += y.inputNorm.length + y.q.length + y.k.length + y.v.length + y.o.length + y.postNorm.length + y.gate.length
          + y.up.length + y.down.length;
    }
    return new Summary(3 + 9 * c.layers(), c.vocabSize(), padded, params);
  }

  /** The tokenizer.ggml.* keys; ids past the tokenizer's pieces (a model trained with a larger table) are unused pieces. */
  private static int vocabulary(Gguf g, SentencePieceTokenizer tok, int vocabSize) {
    String[] tokens = new String[vocabSize];
    float[] scores = new float[vocabSize];
    int[] types = new int[vocabSize];
    for (int i = 0; i < vocabSize; i++) {
      if (i < tok.vocabSize()) {
        tokens[i] = tok.pieceOf(i);
        scores[i] = tok.scoreOf(i);
        types[i] = ggmlType(tok.typeOf(i));
      } else {
        tokens[i] = "<unused" + i + ">";
        scores[i] = -1e9f;
        types[i] = 5;
      }
    }
    g.put("tokenizer.ggml.model", "llama").put("tokenizer.ggml.tokens", tokens).put("tokenizer.ggml.scores", scores)
        .put("tokenizer.ggml.token_type", types).putUInt("tokenizer.ggml.unknown_token_id", tok.unkId())
        .put("tokenizer.ggml.add_bos_token", true).put("tokenizer.ggml.add_eos_token", false);
    if (tok.bosId() >= 0) g.putUInt("tokenizer.ggml.bos_token_id", tok.bosId());
    if (tok.eosId() >= 0) g.putUInt("tokenizer.ggml.eos_token_id", tok.eosId());
    return vocabSize - tok.vocabSize();
  }

  /** llama.cpp's token types are SentencePiece's piece types by number. */
  private static int ggmlType(PieceType t) {
    return switch (t) {
      case NORMAL -> 1;
      case UNKNOWN -> 2;
      case CONTROL -> 3;
      case USER_DEFINED -> 4;
      case UNUSED -> 5;
      case BYTE -> 6;
    };
  }

  /**
   * Rows of a q or k projection [heads·hd, d] reordered per head from rotate-half (row i pairs with i + hd/2) to
   * interleaved pairs (rows 2j, 2j+1): new row 2j+s of a head is old row s·hd/2 + j.
   */
  static float[] interleaveRope(float[] w, int heads, int hd, int d) {
    float[] out = new float[w.length];
    int half = hd / 2;
    for (int h = 0; h < heads; h++) {
      for (int j = 0; j < half; j++) {
        for (int s = 0; s < 2; s++) {
          System.arraycopy(w, (h * hd + s * half + j) * d, out, (h * hd + 2 * j + s) * d, d);
        }
      }
    }
    return out;
  }
}
