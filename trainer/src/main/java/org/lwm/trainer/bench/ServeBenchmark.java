package org.lwm.trainer.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.lwm.core.numeric.Gemm;
import org.lwm.core.tensors.Gguf;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.trainer.backend.Backend;
import org.lwm.trainer.inference.ChatPrompt;
import org.lwm.trainer.inference.Decoder;
import org.lwm.trainer.inference.OpenAiServer;
import org.lwm.trainer.interop.GgufExport;
import org.lwm.trainer.model.ModelConfig;
import org.lwm.trainer.model.Parameters;

/**
 * {@code lwm serve}'s server under load (bench/serve.sh): a seeded LLaMA served over HTTP, C clients each sending
 * R greedy {@code /v1/completions} requests back to back (prompt evaluation and HTTP included), for each
 * concurrency C; prints completion tokens/s and requests/s per level. The same model is exported as an F32 GGUF and
 * the prompt's token ids written beside it, for the script's llama.cpp peer (C sequences decoded together in one
 * context). Args: TOKENIZER OUT_GGUF HIDDEN LAYERS MAX_TOKENS THREADS REQUESTS_PER_CLIENT CONCURRENCY…
 */
public final class ServeBenchmark {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PROMPT = "The old lighthouse keeper climbed the stairs each night and";

  public static void main(String[] a) throws Exception {
    SentencePieceTokenizer tok = SentencePieceTokenizer.load(Path.of(a[0]));
    int d = Integer.parseInt(a[2]), layers = Integer.parseInt(a[3]), maxTokens = Integer.parseInt(a[4]);
    int threads = Integer.parseInt(a[5]), perClient = Integer.parseInt(a[6]);
    int[] levels = Arrays.stream(a, 7, a.length).mapToInt(Integer::parseInt).toArray();
    Gemm.useThreads(threads);
    int[] prompt = ChatPrompt.plain(tok, PROMPT);
    ModelConfig c = new ModelConfig(tok.vocabSize(), 0, d, d * 8 / 3 / 64 * 64 + 64, layers, Math.max(1, d / 64), Math.max(1, d / 64),
        10000, 1e-5, prompt.length + maxTokens + 8);
    Parameters p = Parameters.init(c, 1);
    GgufExport.write(p, tok, Path.of(a[1]), Gguf.Type.F32, "bench");
    Files.writeString(Path.of(a[1] + ".prompt.json"), Arrays.toString(prompt));
    int maxBatch = Arrays.stream(levels).max().orElse(1);
    try (OpenAiServer server = new OpenAiServer(new Decoder(p, Backend.cpu()), tok, "bench", "127.0.0.1", 0,
        new OpenAiServer.Limits(maxTokens, maxBatch, maxBatch, maxBatch + 8))) {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      String body = JSON.writeValueAsString(java.util.Map.of("model", "bench", "prompt", PROMPT, "max_tokens", maxTokens,
          "temperature", 0));
      URI uri = URI.create("http://127.0.0.1:" + server.port() + "/v1/completions");
      round(http, uri, body, 2, 2); // warm-up: the JIT, the server's threads
      for (int level : levels) {
        long t0 = System.nanoTime();
        long tokens = round(http, uri, body, level, perClient);
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "ours concurrency %d: %d requests, %d completion tokens in %.3f s, %.1f tokens/s, %.2f requests/s%n",
            level, level * perClient, tokens, s, tokens / s, level * perClient / s);
      }
    }
  }

  /** C clients × R requests each; returns the completion tokens the server reported. */
  private static long round(HttpClient http, URI uri, String body, int clients, int perClient) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      List<Future<Long>> done = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        done.add(pool.submit(() -> {
          long n = 0;
          for (int r = 0; r < perClient; r++) {
            HttpResponse<String> res = http.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (res.statusCode() != 200) throw new IllegalStateException("HTTP " + res.statusCode() + ": " + res.body());
            JsonNode usage = JSON.readTree(res.body()).path("usage");
            n += usage.path("completion_tokens").asLong();
          }
          return n;
        }));
      }
      long tokens = 0;
      for (Future<Long> f : done) tokens += f.get();
      return tokens;
    } finally {
      pool.shutdownNow();
    }
  }
}
