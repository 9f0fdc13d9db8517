package org.lwm.orchestration.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.records.PackedRow;
import org.lwm.core.records.PackedRowJson;
import org.lwm.core.testing.TestSpark;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.ingest.BooksJob;
import org.lwm.ingest.TokenizeJob;
import org.lwm.qa.chunk.ChunkJob;
import org.lwm.qa.generate.GenerateJob;
import org.lwm.qa.generate.OpenAiGenerator;
import org.lwm.trainer.backend.Backend;
import org.lwm.trainer.checkpoint.Checkpoint;
import org.lwm.trainer.data.StageRows;
import org.lwm.trainer.inference.ChatPrompt;
import org.lwm.trainer.inference.Decoder;
import org.lwm.trainer.inference.OpenAiServer;
import org.lwm.trainer.train.StagedTraining;
import org.lwm.trainer.train.TrainConfig;

/**
 * The pipeline's own short-context model writes its QA pairs: a checkpoint trained here (in LWM's chat template) to
 * answer the QA job's own prompt for a book's chunks is served by {@code lwm serve}'s server, and {@code qa generate
 * --generator openai}, unchanged, fills {@code qa_pairs} through it — its replies parsed and validated by the job.
 */
class ServedQaTest {
  @TempDir Path dir;

  @Test
  void theQaJobsOpenAiClientFillsQaPairsFromOurServer() throws Exception {
    SparkSession spark = TestSpark.session();
    Lake lake = TestSpark.newLake();
    Path root = TestSpark.repoRoot(), model = root.resolve("samples/tokenizer.model");
    Path books = Files.createDirectories(dir.resolve("books"));
    Files.copy(root.resolve("samples/books/57-Philemon.txt"), books.resolve("57-Philemon.txt"));
    Map<String, String> m = new HashMap<>(TestSpark.config().asMap());
    m.put("qa.chunk_tokens", "200");
    Config cfg = Config.of(m);
    BooksJob.run(spark, lake, List.of(books.toString()), cfg);
    TokenizeJob.run(spark, lake, model.toUri().toString(), false, cfg);
    ChunkJob.run(spark, lake, model.toUri().toString(), cfg);
    List<Row> chunks = lake.read(spark, Tables.CHUNKS).orderBy("chunk_index").select("text").collectAsList();
    assertTrue(chunks.size() >= 3, chunks.size() + " chunks");

    // the reply to learn per chunk: a question and the chunk's first words as the answer (grounded in it)
    SentencePieceTokenizer tok = SentencePieceTokenizer.load(model);
    List<int[]> examples = new ArrayList<>();
    List<Integer> promptLengths = new ArrayList<>();
    for (Row r : chunks) {
      String text = r.getString(0);
      String[] words = text.strip().split("\\s+");
      String answer = String.join(" ", Arrays.copyOf(words, Math.min(6, words.length))).replace("\"", "'");
      String reply = "{\"question\": \"How does the passage begin?\", \"answer\": \"" + answer + "\"}";
      int[] prompt = ChatPrompt.tokens(tok, List.of("user"), List.of(OpenAiGenerator.DEFAULT_PROMPT.replace("{chunk}", text)));
      int[] ans = tok.encode(reply);
      int[] all = Arrays.copyOf(prompt, prompt.length + ans.length + 1);
      System.arraycopy(ans, 0, all, prompt.length, ans.length);
      all[all.length - 1] = tok.eosId();
      examples.add(all);
      promptLengths.add(prompt.length);
    }
    int len = 0;
    for (int[] e : examples) len = Math.max(len, e.length - 1);
    len = (len + 31) / 32 * 32;
    try (BufferedWriter w = Files.newBufferedWriter(dir.resolve("rows.jsonl"))) {
      for (int i = 0; i < examples.size(); i++) {
        int[] e = examples.get(i);
        int[] in = new int[len], tg = new int[len], seg = new int[len], pos = new int[len];
        float[] wt = new float[len];
        int n = e.length - 1, answerFrom = promptLengths.get(i) - 1;
        for (int p = 0; p < n; p++) {
          in[p] = e[p];
          tg[p] = e[p + 1];
          seg[p] = 1;
          pos[p] = p;
          wt[p] = p >= answerFrom ? 1f / (n - answerFrom) : 0f;
        }
        PackedRowJson.write(new PackedRow(i, in, tg, wt, new boolean[len], new boolean[len], seg, pos, new String[0]), w);
      }
    }
    Files.writeString(dir.resolve("train.yaml"), String.join("\n",
        "output: run", "seed: 1",
        "model: {vocab_size: " + tok.vocabSize() + ", hidden_size: 64, intermediate_size: 128, num_hidden_layers: 2,"
            + " num_attention_heads: 4, rope_theta: 10000, max_position_embeddings: " + (len + 64) + "}",
        "parallel: {sp: 1, query_chunk: 128, key_chunk: 128}", "checkpoint_every: 1000",
        "stages:", "  - {name: qa, seq_len: " + len + ", steps: 120, sequences_per_step: " + examples.size() + ", lr: 1.0e-2,"
            + " end_lr: 1.0e-3, warmup_steps: 10, schedule: cosine, data: {jsonl: rows.jsonl}}", ""));
    long t0 = System.nanoTime();
    TrainConfig tc = TrainConfig.load(dir.resolve("train.yaml"));
    new StagedTraining(tc, s -> StageRows.jsonLines(s.jsonl()), new PrintStream(new ByteArrayOutputStream())).run(null);

    System.out.printf("trained %d examples of %d positions in %.1f s%n", examples.size(), len, (System.nanoTime() - t0) / 1e9);
    Decoder decoder = new Decoder(Checkpoint.read(dir.resolve("run/qa/final")), Backend.cpu());
    try (OpenAiServer server = new OpenAiServer(decoder, tok, "qa-model", "127.0.0.1", 0, new OpenAiServer.Limits(256, 8, 16, 16))) {
      Map<String, String> q = new HashMap<>(m);
      q.put("qa.openai.base_url", "http://127.0.0.1:" + server.port() + "/v1");
      q.put("qa.openai.model", "qa-model");
      q.put("qa.openai.temperature", "0");
      q.put("qa.openai.max_tokens", "64");
      q.put("qa.openai.timeout_s", "60");
      JobCounts c = GenerateJob.run(spark, lake, "openai", Config.of(q));
      c.print(System.out);
      List<Row> pairs = lake.read(spark, Tables.QA_PAIRS).select("status", "question", "answer", "error").collectAsList();
      assertEquals(chunks.size(), pairs.size(), "a row per chunk");
      for (Row p : pairs) {
        assertEquals("ok", p.getString(0), "the job accepted the served reply: " + p);
        assertEquals("How does the passage begin?", p.getString(1));
      }
    }
  }
}
