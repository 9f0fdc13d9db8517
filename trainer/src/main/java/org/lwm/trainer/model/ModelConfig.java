package org.lwm.trainer.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;

/**
 * The shape of a LLaMA decoder with LWM's vision extension, in Hugging Face {@code config.json} terms
 * ({@code LlamaForCausalLM}): V = vocab_size, D = hidden_size, I = intermediate_size, N = num_hidden_layers,
 * H = num_attention_heads, KV = num_key_value_heads (grouped-query attention when KV &lt; H), hd = D / H.
 * {@code visionVocabSize} = 0 means a text-only model (no vision table or head).
 */
public record ModelConfig(int vocabSize, int visionVocabSize, int hidden, int intermediate, int layers, int heads,
    int kvHeads, double ropeTheta, double rmsEps, int maxPositions) implements java.io.Serializable {
  private static final ObjectMapper JSON = new ObjectMapper();

  public ModelConfig {
    if (vocabSize < 1 || hidden < 1 || intermediate < 1 || layers < 1 || heads < 1 || kvHeads < 1) {
      throw new UserError("model config: vocab_size, hidden_size, intermediate_size, num_hidden_layers, "
          + "num_attention_heads and num_key_value_heads must all be positive");
    }
    if (hidden % heads != 0 || (hidden / heads) % 2 != 0) {
      throw new UserError("model config: hidden_size " + hidden + " must split into " + heads
          + " heads of an even size (RoPE rotates pairs)");
    }
    if (heads % kvHeads != 0) {
      throw new UserError("model config: num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
    }
  }

  public int headDim() {
    return hidden / heads;
  }

  public ModelConfig withRopeTheta(double theta) {
    return new ModelConfig(vocabSize, visionVocabSize, hidden, intermediate, layers, heads, kvHeads, theta, rmsEps, maxPositions);
  }

  public ModelConfig withMaxPositions(int n) {
    return new ModelConfig(vocabSize, visionVocabSize, hidden, intermediate, layers, heads, kvHeads, ropeTheta, rmsEps, n);
  }

  /** From a flat config (YAML for {@code lwm model init}); keys are config.json's names, optionally under {@code model.}. */
  public static ModelConfig fromConfig(Config c) {
    String p = c.has("model.hidden_size") ? "model." : "";
    int hidden = c.getInt(p + "hidden_size", 256);
    int heads = c.getInt(p + "num_attention_heads", 8);
    return new ModelConfig(c.getInt(p + "vocab_size", 32000), c.getInt(p + "vision_vocab_size", 0), hidden,
        c.getInt(p + "intermediate_size", hidden * 8 / 3 / 64 * 64 + 64), c.getInt(p + "num_hidden_layers", 4), heads,
        c.getInt(p + "num_key_value_heads", heads), c.getDouble(p + "rope_theta", 10000.0),
        c.getDouble(p + "rms_norm_eps", 1e-5), c.getInt(p + "max_position_embeddings", 4096));
  }

  public static ModelConfig fromJson(JsonNode o, String source) {
    try {
      int hidden = need(o, "hidden_size", source).asInt();
      int heads = need(o, "num_attention_heads", source).asInt();
      return new ModelConfig(need(o, "vocab_size", source).asInt(),
          o.path("vision_vocab_size").asInt(0), hidden, need(o, "intermediate_size", source).asInt(),
          need(o, "num_hidden_layers", source).asInt(), heads, o.path("num_key_value_heads").asInt(heads),
          o.path("rope_theta").asDouble(10000.0), o.path("rms_norm_eps").asDouble(1e-6),
          o.path("max_position_embeddings").asInt(4096));
    } catch (UserError e) {
      throw new UserError(source + ": " + e.getMessage());
    }
  }

  private static JsonNode need(JsonNode o, String key, String source) {
    JsonNode v = o.get(key);
    if (v == null || !v.isNumber()) throw new UserError(source + ": missing number '" + key + "'");
    return v;
  }

  public static ModelConfig read(Path configJson) {
    try {
      return fromJson(JSON.readTree(configJson.toFile()), configJson.toString());
    } catch (IOException e) {
      throw new UserError(configJson + ": not readable JSON (" + e.getMessage() + ")");
    }
  }

  /** Hugging Face's config.json for {@code LlamaForCausalLM}, plus LWM's {@code vision_vocab_size}. */
  public ObjectNode toJson() {
    ObjectNode o = JSON.createObjectNode();
    o.putArray("architectures").add("LlamaForCausalLM");
    o.put("model_type", "llama");
    o.put("vocab_size", vocabSize);
    if (visionVocabSize > 0) o.put("vision_vocab_size", visionVocabSize);
    o.put("hidden_size", hidden);
    o.put("intermediate_size", intermediate);
    o.put("num_hidden_layers", layers);
    o.put("num_attention_heads", heads);
    o.put("num_key_value_heads", kvHeads);
    o.put("hidden_act", "silu");
    o.put("rope_theta", ropeTheta);
    o.put("rms_norm_eps", rmsEps);
    o.put("max_position_embeddings", maxPositions);
    o.put("attention_bias", false);
    o.put("mlp_bias", false);
    o.put("tie_word_embeddings", false);
    o.put("bos_token_id", 1);
    o.put("eos_token_id", 2);
    o.put("torch_dtype", "float32");
    return o;
  }

  public void write(Path configJson) throws IOException {
    Files.writeString(configJson, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(toJson()));
  }

  /** Number of parameters. */
  public long parameterCount() {
    long d = hidden, hd = headDim();
    long perLayer = 2 * d + d * heads * hd + 2 * d * kvHeads * hd + heads * hd * d + 3 * d * intermediate;
    return 2L * vocabSize * d + 2L * visionVocabSize * d + d + layers * perLayer;
  }
}
