package org.lwm.trainer.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.core.records.PackedRow;
import org.lwm.core.records.PackedRowJson;
import org.lwm.core.tensors.Gguf;
import org.lwm.core.testing.TestSpark;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.trainer.checkpoint.Checkpoint;
import org.lwm.trainer.data.StageRows;
import org.lwm.trainer.model.Parameters;
import org.lwm.trainer.model.SequenceParallel;
import org.lwm.trainer.train.StagedTraining;
import org.lwm.trainer.train.TrainConfig;

/**
 * A checkpoint trained here on Genesis, exported to GGUF and loaded by llama.cpp itself (node-llama-cpp's prebuilt
 * binary, installed by dev/test): the same greedy continuations and next-token probabilities as our own forward,
 * and the same token ids for text through llama.cpp's tokenizer.
 */
class GgufExportTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String[] TEXTS = {"In the beginning God created the heaven and the earth.",
      "And God said, Let there be light: and there was light.", "Abraham begat Isaac; and Isaac begat Jacob"};
  @TempDir static Path dir;
  static SentencePieceTokenizer tok;
  static Parameters model;

  @BeforeAll
  static void train() throws Exception {
    Path root = TestSpark.repoRoot();
    tok = SentencePieceTokenizer.load(root.resolve("samples/tokenizer.model"));
    int[] text = tok.encode(Files.readString(root.resolve("samples/books/01-Genesis.txt")));
    try (BufferedWriter w = Files.newBufferedWriter(dir.resolve("rows.jsonl"))) {
      for (int i = 0; i < 32; i++) {
        int len = 128, at = i * len;
        int[] in = new int[len], tg = new int[len], seg = new int[len], pos = new int[len];
        float[] wt = new float[len];
        for (int p = 0; p < len; p++) {
          in[p] = p == 0 ? tok.bosId() : text[at + p - 1];
          tg[p] = text[at + p];
          seg[p] = 1;
          pos[p] = p;
          wt[p] = 1f / len;
        }
        PackedRowJson.write(new PackedRow(i, in, tg, wt, new boolean[len], new boolean[len], seg, pos, new String[0]), w);
      }
    }
    Files.writeString(dir.resolve("train.yaml"), String.join("\n",
        "output: run", "seed: 7",
        "model: {vocab_size: " + tok.vocabSize() + ", hidden_size: 64, intermediate_size: 128, num_hidden_layers: 2,"
            + " num_attention_heads: 4, num_key_value_heads: 2, rope_theta: 10000, max_position_embeddings: 256}",
        "parallel: {sp: 1, query_chunk: 64, key_chunk: 64}", "checkpoint_every: 1000",
        "stages:", "  - {name: s128, seq_len: 128, steps: 24, sequences_per_step: 4, lr: 8.0e-3, end_lr: 1.0e-3,"
            + " warmup_steps: 4, schedule: cosine, data: {jsonl: rows.jsonl}}", ""));
    TrainConfig cfg = TrainConfig.load(dir.resolve("train.yaml"));
    new StagedTraining(cfg, s -> StageRows.jsonLines(s.jsonl()), new PrintStream(new ByteArrayOutputStream())).run(null);
    model = Checkpoint.read(dir.resolve("run/s128/final"));
  }

  @Test
  void llamaCppReproducesOurGreedyContinuationsProbabilitiesAndTokens() throws Exception {
    Path gguf = dir.resolve("model-f32.gguf");
    GgufExport.write(model, tok, gguf, Gguf.Type.F32, "genesis");
    List<int[]> prompts = prompts();
    JsonNode reply = llamaCpp(gguf, prompts, 16, 5);
    for (int i = 0; i < prompts.size(); i++) {
      Greedy ours = greedy(model, prompts.get(i), 16);
      assertArrayEquals(ours.ids, ids(reply.get("greedy").get(i)), "greedy continuation of prompt " + i + " ('" + TEXTS[i] + "')");
      assertTrue(ours.ids.length >= 4, "a continuation of at least 4 tokens to compare: " + Arrays.toString(ours.ids));
      System.out.println("prompt '" + TEXTS[i] + "' → '" + tok.decode(ours.ids) + "', llama.cpp top-5 of the first step " + reply.get("top").get(i).get(0));
      // next-token probabilities at every generated step: llama.cpp's top 5 against our softmax
      JsonNode top = reply.get("top").get(i);
      assertTrue(top.size() >= ours.ids.length, "llama.cpp gave probabilities for " + top.size() + " steps");
      for (int s = 0; s < ours.ids.length; s++) {
        for (JsonNode pair : top.get(s)) {
          int id = pair.get(0).asInt();
          assertEquals(ours.probs.get(s)[id], pair.get(1).asDouble(), 2e-4, "p(token " + id + ") at step " + s + " of prompt " + i);
        }
      }
    }
    for (int i = 0; i < TEXTS.length; i++) {
      assertArrayEquals(tok.encode(TEXTS[i]), ids(reply.get("tokenized").get(i)), "llama.cpp's tokens for '" + TEXTS[i] + "'");
    }
  }

  @Test
  void anF16ExportGivesTheGreedyContinuationsOfTheF16RoundedWeights() throws Exception {
    Path gguf = dir.resolve("model-f16.gguf");
    GgufExport.write(model, tok, gguf, Gguf.Type.F16, "genesis");
    assertTrue(Files.size(gguf) < Files.size(dir.resolve("run/s128/final/model.safetensors")) * 0.6, "F16 halves the matrices");
    Parameters rounded = Checkpoint.read(dir.resolve("run/s128/final"));
    rounded.named().forEach((name, w) -> {
      if (name.endsWith("norm.weight")) return; // norms stay F32
      for (int i = 0; i < w.length; i++) w[i] = org.lwm.core.tensors.Safetensors.halfToFloat(Gguf.floatToHalf(w[i]));
    });
    List<int[]> prompts = prompts();
    JsonNode reply = llamaCpp(gguf, prompts, 12, 0);
    for (int i = 0; i < prompts.size(); i++) {
      assertArrayEquals(greedy(rounded, prompts.get(i), 12).ids, ids(reply.get("greedy").get(i)), "F16 greedy continuation of prompt " + i);
    }
  }

  @Test
  void halfPrecisionRoundsToNearestEven() {
    for (int h = 0; h < 0x10000; h++) {
      if ((h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0) continue; // NaNs
      float f = org.lwm.core.tensors.Safetensors.halfToFloat((short) h);
      assertEquals((short) h, Gguf.floatToHalf(f), "half 0x" + Integer.toHexString(h) + " = " + f);
    }
    assertEquals(0x3C00, Gguf.floatToHalf(1f + 0x1p-11f)); // a tie rounds to even (down)
    assertEquals(0x3C02, Gguf.floatToHalf(1f + 3 * 0x1p-11f)); // a tie rounds to even (up)
    assertEquals(0x7C00, Gguf.floatToHalf(70000f)); // past the largest half: infinity
  }

  static List<int[]> prompts() {
    List<int[]> out = new ArrayList<>();
    for (String t : TEXTS) {
      int[] ids = tok.encode(t);
      int[] p = new int[ids.length + 1];
      p[0] = tok.bosId();
      System.arraycopy(ids, 0, p, 1, ids.length);
      out.add(p);
    }
    return out;
  }

  record Greedy(int[] ids, List<double[]> probs) {}

  /** Greedy decoding by our own uncached forward; stops at EOS like llama-check.mjs. */
  static Greedy greedy(Parameters p, int[] prompt, int max) {
    int v = p.config.vocabSize();
    int[] ids = Arrays.copyOf(prompt, prompt.length + max);
    int n = prompt.length;
    List<double[]> probs = new ArrayList<>();
    List<Integer> out = new ArrayList<>();
    for (int step = 0; step < max; step++) {
      int[] in = Arrays.copyOf(ids, n), seg = new int[n], pos = new int[n];
      Arrays.fill(seg, 1);
      for (int i = 0; i < n; i++) pos[i] = i;
      PackedRow row = new PackedRow(0, in, new int[n], new float[n], new boolean[n], new boolean[n], seg, pos, null);
      float[] logits = SequenceParallel.run(p.config, p, List.of(row), SequenceParallel.Options.dense(), false, true).textLogits()[0];
      double[] pr = new double[v];
      double mx = Double.NEGATIVE_INFINITY, sum = 0;
      int best = 0;
      for (int i = 0; i < v; i++) {
        mx = Math.max(mx, logits[(n - 1) * v + i]);
        if (logits[(n - 1) * v + i] > logits[(n - 1) * v + best]) best = i;
      }
      for (int i = 0; i < v; i++) sum += pr[i] = Math.exp(logits[(n - 1) * v + i] - mx);
      for (int i = 0; i < v; i++) pr[i] /= sum;
      probs.add(pr);
      if (best == tok.eosId()) break;
      ids[n++] = best;
      out.add(best);
    }
    return new Greedy(out.stream().mapToInt(Integer::intValue).toArray(), probs);
  }

  static int[] ids(JsonNode a) {
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
    return out;
  }

  /** Runs dev/tools/llama-check.mjs; a missing node or node-llama-cpp fails the test with how to install it. */
  static JsonNode llamaCpp(Path gguf, List<int[]> prompts, int maxTokens, int top) throws Exception {
    Path tools = TestSpark.repoRoot().resolve("dev/tools");
    if (!Files.isDirectory(tools.resolve("node_modules/@node-llama-cpp/linux-x64"))) {
      throw new IllegalStateException("node-llama-cpp is not installed in " + tools + ": run ./dev/test (it runs npm ci there)");
    }
    ObjectNode req = JSON.createObjectNode().put("model", gguf.toString()).put("maxTokens", maxTokens).put("top", top)
        .put("threads", 2).put("contextSize", 256);
    ArrayNode ps = req.putArray("prompts");
    for (int[] p : prompts) {
      ArrayNode a = ps.addArray();
      for (int id : p) a.add(id);
    }
    ArrayNode ts = req.putArray("texts");
    for (String t : TEXTS) ts.add(t);
    Path file = Files.createTempFile(dir, "llama", ".json");
    JSON.writeValue(file.toFile(), req);
    Process proc = new ProcessBuilder("node", tools.resolve("llama-check.mjs").toString(), file.toString())
        .directory(tools.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    byte[] out = proc.getInputStream().readAllBytes();
    assertTrue(proc.waitFor(120, TimeUnit.SECONDS), "llama-check.mjs did not finish");
    assertEquals(0, proc.exitValue(), "llama-check.mjs failed: " + new String(out));
    return JSON.readTree(out);
  }
}
