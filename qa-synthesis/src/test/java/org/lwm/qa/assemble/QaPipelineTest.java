package org.lwm.qa.assemble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.step.StepExecution;
import org.lwm.core.testing.TestSpark;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.qa.QaTestData;
import org.lwm.qa.chunk.ChunkJob;
import org.lwm.qa.generate.GenerateJob;
import org.lwm.qa.mix.MixJob;

/** chunk → generate (extractive) → assemble at 2K and 4K → mix with chat, on a few sample books, checked at each table. */
class QaPipelineTest {
  static Config config(Map<String, String> extra) {
    Map<String, String> m = new HashMap<>(TestSpark.config().asMap());
    m.putAll(extra);
    return Config.of(m);
  }

  @Test
  void chunkGenerateAssembleMix() {
    SparkSession spark = TestSpark.session();
    Lake lake = TestSpark.newLake();
    SentencePieceTokenizer tok = QaTestData.tokenizer();
    QaTestData.writeBookTokens(spark, lake, QaTestData.books(n -> n.contains("Ruth") || n.contains("Esther") || n.contains("Obadiah")));
    ChunkJob.run(spark, lake, QaTestData.modelUri(), config(Map.of()));
    long chunks = lake.read(spark, Tables.CHUNKS).count();

    // generate: a pair for every chunk, in two commits; a re-run asks nothing
    JobCounts gen = GenerateJob.run(spark, lake, "extractive", config(Map.of("qa.generate.batch_chunks", String.valueOf(chunks / 2 + 1))));
    gen.print(System.out);
    assertEquals(chunks, gen.get("requested"));
    assertEquals(chunks, lake.read(spark, Tables.QA_PAIRS).filter("status = 'ok' AND generator = 'extractive' AND question IS NOT NULL").count());
    JobCounts again = GenerateJob.run(spark, lake, "extractive", config(Map.of()));
    assertEquals(0, again.get("requested"));
    assertEquals(chunks, again.get("already_done"));

    // assemble at 2K and 4K: every example within its length, counted as the formatter will count it
    JobCounts asm = AssembleJob.run(spark, lake, QaTestData.modelUri(), AssembleJob.parseLengths("2k,4096"), config(Map.of()));
    asm.print(System.out);
    List<Row> rows = lake.read(spark, Tables.LONG_QA).collectAsList();
    assertEquals(asm.get("examples_2048") + asm.get("examples_4096"), rows.size());
    assertTrue(asm.get("examples_2048") > 0 && asm.get("examples_4096") > 0, asm.asProperties().toString());
    assertEquals(1, asm.get("books_too_short_2048"), "Obadiah (~700 tokens) is shorter than 2K");
    assertEquals(2, asm.get("books_too_short_4096"), "Obadiah and Ruth (~3K tokens) are shorter than 4K");
    for (Row r : rows) {
      int t = r.getInt(r.fieldIndex("target_length"));
      int n = r.getInt(r.fieldIndex("n_tokens"));
      assertTrue(n <= t, n + " > " + t);
      Map<String, String> parts = r.getJavaMap(r.fieldIndex("parts"));
      String fields = r.getString(r.fieldIndex("fields"));
      int count = 2;
      List<String> names = new ArrayList<>();
      for (String f : fields.split(",")) names.add(f.replace("[", "").replace("]", ""));
      assertEquals(names.size(), parts.size(), "the fields spec names every part");
      for (String name : names) count += tok.encode(parts.get(name)).length;
      assertEquals(count, n, "n_tokens = the parts' tokens + BOS + EOS");
      List<Row> turns = r.getList(r.fieldIndex("turns"));
      assertEquals(2 * turns.size(), parts.size());
      assertTrue(r.getInt(r.fieldIndex("chunk_end")) > r.getInt(r.fieldIndex("chunk_start")));
      assertTrue(parts.get("p0").contains(r.getString(r.fieldIndex("context"))));
    }
    assertEquals(tok.identity(), lake.properties(spark, Tables.LONG_QA).get(StepExecution.TOKENIZER_PROPERTY));

    // mix 7:3 by examples with a chat table of 100 conversations (one of them without an answer)
    StructType turn = new StructType().add("role", DataTypes.StringType).add("content", DataTypes.StringType);
    StructType chatSchema = new StructType().add("example_id", DataTypes.StringType).add("turns", DataTypes.createArrayType(turn)).add("source", DataTypes.StringType);
    List<Row> chat = new ArrayList<>();
    for (int i = 0; i < 99; i++) {
      chat.add(RowFactory.create("chat-" + i, List.of(RowFactory.create("user", "What is " + i + " plus one?"),
          RowFactory.create("assistant", "It is " + (i + 1) + ".")), "test"));
    }
    chat.add(RowFactory.create("chat-unanswered", List.of(RowFactory.create("user", "Hello?")), "test"));
    chat.add(RowFactory.create("chat-narrated", List.of(RowFactory.create("user", "Hello?"), RowFactory.create("narrator", "Silence.")), "test"));
    lake.overwrite(spark.createDataFrame(chat, chatSchema), Tables.CHAT);
    JobCounts mix = MixJob.run(spark, lake, QaTestData.modelUri(), config(Map.of()));
    mix.print(System.out);
    long qa = rows.size();
    assertEquals(qa, mix.get("long_qa_kept"), "the scarcer side is kept whole");
    long wantedChat = Math.min(99, Math.round(qa * 7.0 / 3));
    long gotChat = mix.get("chat_kept");
    assertTrue(Math.abs(gotChat - wantedChat) <= Math.max(4, wantedChat / 3), "chat kept " + gotChat + ", wanted about " + wantedChat);
    assertEquals(1, mix.get("chat_no_answer"));
    assertEquals(1, lake.read(spark, Tables.REJECTS).filter("job = 'qa-mix' AND source = 'chat-unanswered' AND reason = 'no-answer'").count());
    assertEquals(1, mix.get("chat_unknown_role"));
    assertEquals(1, lake.read(spark, Tables.REJECTS).filter("job = 'qa-mix' AND source = 'chat-narrated' AND reason = 'unknown-role' AND detail LIKE '%narrator%'").count());
    assertEquals(tok.identity(), lake.properties(spark, Tables.CHAT_MIX).get(StepExecution.TOKENIZER_PROPERTY), "the step records the tokenizer");
    List<Row> mixed = lake.read(spark, Tables.CHAT_MIX).collectAsList();
    assertEquals(gotChat + qa, mixed.size());
    for (Row r : mixed) {
      assertTrue(r.getString(1).equals("chat") || r.getString(1).equals("long_qa"));
      if (r.getString(1).equals("chat")) {
        Map<String, String> parts = r.getJavaMap(3);
        assertEquals("[p0],a0", r.getString(2));
        assertTrue(parts.get("p0").startsWith("You are a helpful assistant. USER: What is "), parts.toString());
        assertEquals(2 + tok.encode(parts.get("p0")).length + tok.encode(parts.get("a0")).length, r.getInt(4));
      }
    }
    assertEquals(List.of("example_id", "source", "fields", "parts", "n_tokens"), List.of(lake.read(spark, Tables.CHAT_MIX).columns()));
    // by loss tokens: chat answers are short, so long_qa is the side sampled down this time
    JobCounts byLoss = MixJob.run(spark, lake, QaTestData.modelUri(), config(Map.of("qa.mix.unit", "loss_tokens")));
    byLoss.print(System.out);
    assertEquals(99, byLoss.get("chat_kept"), "the scarcer side (in loss tokens) is kept whole");
    assertTrue(byLoss.get("long_qa_kept") < qa, byLoss.asProperties().toString());
    double share = (double) byLoss.get("chat_loss_tokens") / (byLoss.get("chat_loss_tokens") + byLoss.get("long_qa_loss_tokens"));
    assertTrue(Math.abs(share - 0.7) < 0.15, "chat share of loss tokens " + share);
    UserError badRatio = assertThrows(UserError.class, () -> MixJob.run(spark, lake, QaTestData.modelUri(), config(Map.of("qa.mix.ratio", "7-3"))));
    assertTrue(badRatio.getMessage().contains("qa.mix.ratio"));
  }
}
