package org.lwm.qa.generate;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
import org.lwm.core.spark.JvmFlags;
import org.lwm.core.testing.TestSpark;
import org.lwm.qa.QaTestData;
import org.lwm.qa.bench.LocalChatServer.Mode;
import org.lwm.qa.bench.LocalChatServer;
import org.lwm.qa.chunk.ChunkJob;

class GenerateJobTest {
  @TempDir Path dir;

  /** A lake with chunks of a few short sample books (chunks of 200 tokens, so there are a few dozen). */
  static Lake chunkedLake(SparkSession spark, int chunkTokens) {
    Lake lake = TestSpark.newLake();
    QaTestData.writeBookTokens(spark, lake, QaTestData.books(n -> n.contains("Ruth") || n.contains("Jonah") || n.contains("Obadiah")));
    ChunkJob.run(spark, lake, QaTestData.modelUri(), config(Map.of("qa.chunk_tokens", String.valueOf(chunkTokens))));
    return lake;
  }

  static Config config(Map<String, String> extra) {
    Map<String, String> m = new HashMap<>(TestSpark.config().asMap());
    m.putAll(extra);
    return Config.of(m);
  }

  @Test
  void openaiFailuresAreRecordedAndARerunAsksOnlyForThem() throws Exception {
    SparkSession spark = TestSpark.session();
    Lake lake = chunkedLake(spark, 400);
    List<Row> chunks = lake.read(spark, Tables.CHUNKS).orderBy("book_id", "chunk_index").select("text").collectAsList();
    try (LocalChatServer server = LocalChatServer.start(5)) {
      // two chunks fail every attempt (500s, then a malformed reply), one needs a retry after a 429, one after a hang
      String broken = marker(chunks.get(0).getString(0));
      String garbled = marker(chunks.get(3).getString(0));
      server.script(broken, Mode.SERVER_ERROR, Mode.SERVER_ERROR, Mode.SERVER_ERROR)
          .script(garbled, Mode.MALFORMED_JSON, Mode.MISSING_ANSWER, Mode.UNGROUNDED)
          .script(marker(chunks.get(5).getString(0)), Mode.RATE_LIMITED)
          .script(marker(chunks.get(7).getString(0)), Mode.HANG)
          .hangMs(2500).retryAfter("0");
      Config config = config(Map.of("qa.openai.base_url", server.baseUrl(), "qa.openai.model", "local", "qa.openai.max_attempts", "3",
          "qa.openai.backoff_s", "0.01", "qa.openai.timeout_s", "1", "qa.openai.concurrency", "4"));
      JobCounts c = GenerateJob.run(spark, lake, "openai", config);
      c.print(System.out);
      assertEquals(chunks.size(), c.get("requested"));
      assertEquals(2, c.get("failed"));
      List<Row> rows = lake.read(spark, Tables.QA_PAIRS).filter(col("status").equalTo("failed")).select("error", "attempts").collectAsList();
      assertEquals(2, rows.size());
      for (Row r : rows) assertEquals(3, r.getInt(1));
      assertTrue(rows.stream().anyMatch(r -> r.getString(0).contains("HTTP 500")), rows.toString());
      assertTrue(rows.stream().anyMatch(r -> r.getString(0).contains("not grounded")), rows.toString());
      assertEquals(chunks.size(), lake.read(spark, Tables.QA_PAIRS).count(), "no chunk dropped");
      assertTrue(server.peakInFlight() <= 4, "at most qa.openai.concurrency in flight per executor: " + server.peakInFlight());

      int before = server.requests();
      JobCounts again = GenerateJob.run(spark, lake, "openai", config);
      assertEquals(2, again.get("requested"));
      assertEquals(2, server.requests() - before, "only the failed chunks are asked again");
      assertEquals(0, lake.read(spark, Tables.QA_PAIRS).filter("status <> 'ok'").count());
      assertEquals(chunks.size(), lake.read(spark, Tables.QA_PAIRS).count());
    }
  }

  @Test
  void aKilledRunLosesNothingAndRepeatsNoFinishedRequest() throws Exception {
    SparkSession spark = TestSpark.session();
    Lake lake = chunkedLake(spark, 200);
    int nChunks = (int) lake.read(spark, Tables.CHUNKS).count();
    try (LocalChatServer server = LocalChatServer.start(100)) {
      List<String> cmd = new ArrayList<>();
      cmd.add(ProcessHandle.current().info().command().orElse("java"));
      cmd.addAll(JvmFlags.ofThisJvm());
      cmd.addAll(List.of("-Xmx1g", "-cp", System.getProperty("java.class.path"), GenerateProcess.class.getName(), lake.root(), server.baseUrl(),
          "qa.openai.concurrency=2", "qa.generate.batch_chunks=" + (nChunks / 3)));
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile());
      pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
      Process child = pb.start();
      // kill it (SIGKILL: no shutdown hook, no cleanup) once half the chunks are answered: mid-way through the second batch
      long deadline = System.nanoTime() + 180_000_000_000L;
      while (total(server) < nChunks / 2 && child.isAlive() && System.nanoTime() < deadline) Thread.sleep(20);
      assertTrue(child.isAlive(), "the child ended before it was killed: " + Files.readString(dir.resolve("child.log")));
      child.destroyForcibly().waitFor();
      int answeredBeforeKill = total(server);
      assertTrue(answeredBeforeKill >= nChunks / 2 && answeredBeforeKill < nChunks, answeredBeforeKill + " of " + nChunks);

      JobCounts resumed = GenerateJob.run(spark, lake, "openai",
          config(Map.of("qa.openai.base_url", server.baseUrl(), "qa.openai.model", "local", "qa.openai.concurrency", "4")));
      resumed.print(System.out);
      assertTrue(resumed.get("recovered") > 0, "the journal held the answers of the batch in flight");
      assertEquals(nChunks, lake.read(spark, Tables.QA_PAIRS).filter("status = 'ok'").count(), "nothing lost");
      Map<String, Integer> answered = server.answered();
      assertEquals(nChunks, answered.size(), "every chunk answered");
      // a request the server answered but the killed JVM never read is not finished; at most the 2 x 2 in flight
      long repeated = answered.values().stream().filter(n -> n > 1).count();
      assertTrue(repeated <= 4, repeated + " chunks asked twice: " + answered.values());
      // what the resumed run asked = what was not answered before the kill + what was answered but never read
      assertEquals(nChunks - answeredBeforeKill + repeated, resumed.get("requested"));
      assertEquals(resumed.get("requested"), total(server) - answeredBeforeKill);
    }
  }

  private static int total(LocalChatServer server) {
    return server.answered().values().stream().mapToInt(Integer::intValue).sum();
  }

  /** A stretch of the chunk's text that identifies its requests. */
  private static String marker(String text) {
    String flat = text.strip();
    return flat.substring(0, Math.min(80, flat.length()));
  }
}
