package org.lwm.packing;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.records.PackedRow;
import org.lwm.core.step.StepExecution;
import org.lwm.core.testing.TestSpark;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.packing.format.ExampleFormatter;
import org.lwm.packing.format.ExampleJson;
import org.lwm.packing.format.FormatOptions;
import org.lwm.packing.format.FormattedExample;
import org.lwm.packing.lake.ExamplesJob;
import org.lwm.packing.lake.LwmExport;
import org.lwm.packing.lake.PackJob;
import org.lwm.packing.lake.StageSpec;
import org.lwm.packing.read.PackedReader;
import org.lwm.packing.read.PackedRows;

/** The Spark side on a tiny lake built to the table contracts: examples, two stages, the reader, the LWM export. */
class PackLakeTest {
  static final StructType TURN = new StructType().add("role", DataTypes.StringType).add("content", DataTypes.StringType);
  static final StructType QA = new StructType().add("question", DataTypes.StringType).add("answer", DataTypes.StringType);

  static String model() {
    return TestSpark.repoRoot().resolve("samples/tokenizer.model").toString();
  }

  @Test
  void examplesRefuseAnInputMadeWithAnotherTokenizer() {
    SparkSession spark = TestSpark.session();
    Lake lake = TestSpark.newLake();
    SentencePieceTokenizer tok = SentencePieceTokenizer.load(Path.of(model()));
    lake.overwrite(spark.createDataFrame(List.of(RowFactory.create("b0", new Integer[] {5, 6, 7}, 3L)), new StructType().add("book_id", "string")
        .add("tokens", DataTypes.createArrayType(DataTypes.IntegerType)).add("n_tokens", "long")), Tables.BOOK_TOKENS);
    lake.setProperties(spark, Tables.BOOK_TOKENS, Map.of(StepExecution.TOKENIZER_PROPERTY, "feedfacefeedface" + tok.identity().substring(16)));
    UserError e = assertThrows(UserError.class, () -> ExamplesJob.run(spark, lake, model(), FormatOptions.defaults(), TestSpark.config()));
    assertTrue(e.getMessage().startsWith("pack examples: table book_tokens was made with tokenizer feedfacefeed"), e.getMessage());
    assertFalse(lake.exists(spark, Tables.EXAMPLES), "nothing was written");
    // with the tokenizer it was made with, the same lake formats, and examples records that tokenizer
    lake.setProperties(spark, Tables.BOOK_TOKENS, Map.of(StepExecution.TOKENIZER_PROPERTY, tok.identity()));
    assertEquals(1, ExamplesJob.run(spark, lake, model(), FormatOptions.defaults(), TestSpark.config()).get("examples_text"));
    assertEquals(tok.identity(), lake.properties(spark, Tables.EXAMPLES).get(StepExecution.TOKENIZER_PROPERTY));
    // long_qa made with another one is refused the same way
    lake.overwrite(spark.createDataFrame(List.of(RowFactory.create("q0", "[p0],a0", scala.collection.JavaConverters.mapAsScalaMap(Map.of("p0", "Q?", "a0", "A.")))),
        new StructType().add("example_id", "string").add("fields", "string").add("parts", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType))),
        Tables.LONG_QA);
    lake.setProperties(spark, Tables.LONG_QA, Map.of(StepExecution.TOKENIZER_PROPERTY, "0123456789ab" + tok.identity().substring(12)));
    UserError qa = assertThrows(UserError.class, () -> ExamplesJob.run(spark, lake, model(), FormatOptions.defaults(), TestSpark.config()));
    assertTrue(qa.getMessage().contains("table long_qa was made with tokenizer 0123456789ab"), qa.getMessage());
  }

  @Test
  void examplesStagesReaderAndExport(@TempDir Path dir) throws Exception {
    SparkSession spark = TestSpark.session();
    Lake lake = TestSpark.newLake();
    SentencePieceTokenizer tok = SentencePieceTokenizer.load(Path.of(model()));
    Random r = new Random(1);

    List<Row> books = new ArrayList<>(), bookTokens = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      String text = FormatterReferenceTest.sentence(r) + " and the earth was without form " + "and void ".repeat(i * 20);
      books.add(RowFactory.create("b" + i, "Book " + i, text));
      int[] ids = tok.encode(text);
      Integer[] boxed = new Integer[ids.length];
      for (int k = 0; k < ids.length; k++) boxed[k] = ids[k];
      bookTokens.add(RowFactory.create("b" + i, boxed, (long) ids.length));
    }
    lake.overwrite(spark.createDataFrame(books, new StructType().add("book_id", "string").add("title", "string").add("text", "string")), Tables.BOOKS);
    lake.overwrite(spark.createDataFrame(bookTokens, new StructType().add("book_id", "string")
        .add("tokens", DataTypes.createArrayType(DataTypes.IntegerType)).add("n_tokens", "long")), Tables.BOOK_TOKENS);

    List<Row> qa = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      qa.add(RowFactory.create("q" + i, "[p0],a0,[p1],a1", scala.collection.JavaConverters.mapAsScalaMap(
          Map.of("p0", "Context " + FormatterReferenceTest.sentence(r) + " Question one?", "a0", "Answer one.", "p1", "Question two?", "a1", "Answer two."))));
    }
    qa.add(RowFactory.create("qbad", "[p0],a9", scala.collection.JavaConverters.mapAsScalaMap(Map.of("p0", "x"))));
    StructType qaSchema = new StructType().add("example_id", "string").add("fields", "string")
        .add("parts", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType));
    lake.overwrite(spark.createDataFrame(qa, qaSchema).selectExpr("example_id", "fields",
        "map_from_entries(map_entries(parts)) as parts"), Tables.LONG_QA);

    List<Row> chat = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      chat.add(RowFactory.create("c" + i, new Row[] {RowFactory.create("user", "Hello " + i), RowFactory.create("assistant", "Hi there, " + i + ".")}, "ultrachat"));
    }
    chat.add(RowFactory.create("cbad", new Row[] {RowFactory.create("user", "x"), RowFactory.create("narrator", "y")}, "ultrachat"));
    lake.overwrite(spark.createDataFrame(chat, new StructType().add("example_id", "string").add("turns", DataTypes.createArrayType(TURN))
        .add("source", "string")), Tables.CHAT);

    List<Row> videos = new ArrayList<>(), frames = new ArrayList<>();
    for (int v = 0; v < 4; v++) {
      int n = v == 0 ? 1 : 2 + v; // v0 is an image
      videos.add(RowFactory.create("v" + v, "file:/v" + v + ".mp4", "A caption " + v, v == 2 ? new Row[] {RowFactory.create("What?", "That.")} : null));
      for (int f = n - 1; f >= 0; f--) frames.add(RowFactory.create("v" + v, f, f * 0.5, codes(r, 256)));
    }
    videos.add(RowFactory.create("vbad", "file:/vbad.mp4", "broken", null));
    frames.add(RowFactory.create("vbad", 0, 0.0, codes(r, 100)));
    lake.overwrite(spark.createDataFrame(videos, new StructType().add("video_id", "string").add("uri", "string").add("captions", "string")
        .add("qa", DataTypes.createArrayType(QA))), Tables.VIDEOS);
    lake.overwrite(spark.createDataFrame(frames, new StructType().add("video_id", "string").add("frame_index", "integer")
        .add("timestamp_s", "double").add("codes", DataTypes.createArrayType(DataTypes.IntegerType))), Tables.VISION_TOKENS);
    // examples
    Config config = TestSpark.config();
    JobCounts ex = ExamplesJob.run(spark, lake, model(), FormatOptions.defaults().withMaxFrames(4), config);
    assertEquals(6, ex.get("examples_text"));
    assertEquals(8, ex.get("examples_long_qa"));
    assertEquals(10, ex.get("examples_chat"));
    assertEquals(1, ex.get("examples_text_to_image"));
    assertEquals(1, ex.get("examples_image_to_text"));
    assertEquals(3, ex.get("examples_text_to_video"));
    assertEquals(4, ex.get("examples_video_to_text"), "three captions and one QA pair");
    assertEquals(4, ex.get("rejected"), "a long_qa with a missing part, a chat with an unknown role, a partial frame (two directions)");
    assertEquals(ex.get("records"), ex.get("examples") + ex.get("rejected"));
    Set<String> rejected = new HashSet<>();
    for (Row row : lake.read(spark, Tables.REJECTS).collectAsList()) rejected.add(row.getString(row.fieldIndex("source")));
    assertEquals(Set.of("long_qa:qbad", "chat:cbad", "text_to_image:vbad", "image_to_text:vbad"), rejected);

    // a chat example: LWM's template text, BOS + prompt (loss 0) + answer (loss 1) + EOS
    FormattedExample c3 = ExamplesJob.fromRow(lake.read(spark, Tables.EXAMPLES).where(col("example_id").equalTo("chat:c3")).first());
    int[] prompt = tok.encode("You are a helpful assistant. USER: Hello 3 ASSISTANT:"), answer = tok.encode("Hi there, 3.");
    int[] wantChat = new int[prompt.length + answer.length + 2];
    wantChat[0] = tok.bosId();
    System.arraycopy(prompt, 0, wantChat, 1, prompt.length);
    System.arraycopy(answer, 0, wantChat, 1 + prompt.length, answer.length);
    wantChat[wantChat.length - 1] = tok.eosId();
    assertArrayEquals(wantChat, c3.tokens());
    for (int k = 0; k < wantChat.length; k++) assertEquals(k > prompt.length ? 1f : 0f, c3.lossMask()[k], "loss at " + k);

    // a video's example: frames in frame order, sub-sampled to 4, through the same formatter
    Row v3 = lake.read(spark, Tables.EXAMPLES).where(col("example_id").equalTo("video_to_text:v3")).first();
    FormattedExample got = ExamplesJob.fromRow(v3);
    int[] all = new int[5 * 256];
    for (Row f : frames) {
      if (f.getString(0).equals("v3")) {
        Integer[] c = (Integer[]) f.get(3);
        for (int k = 0; k < 256; k++) all[f.getInt(1) * 256 + k] = c[k];
      }
    }
    FormattedExample want = new ExampleFormatter(tok, FormatOptions.defaults().withMaxFrames(4))
        .format("video_to_text:v3", "video_to_text", Map.of("vision", all, "caption", "A caption 3"), "[vision],caption");
    assertArrayEquals(want.tokens(), got.tokens());
    assertArrayEquals(want.visionMask(), got.visionMask());
    // stage 1: everything, QA packed apart; stage 2: text and chat 1:1
    StageSpec s1 = new StageSpec("s64", 64, Map.of(), Set.of("long_qa"), 3);
    JobCounts p1 = PackJob.run(spark, lake, s1, config);
    List<PackedRow> rows1 = PackedRows.stage(spark, lake, "s64");
    assertEquals(p1.get("rows"), rows1.size());
    Map<String, double[]> weightSums = new HashMap<>();
    Set<Long> seqIds = new HashSet<>();
    for (PackedRow row : rows1) {
      assertTrue(seqIds.add(row.seqId()), "seq_id is unique");
      boolean qaRow = row.exampleIds()[0].startsWith("long_qa:");
      for (String id : row.exampleIds()) assertEquals(qaRow, id.startsWith("long_qa:"), "QA chats are packed apart");
      for (int p = 0; p < 64; p++) {
        if (row.segmentIds()[p] == 0) continue;
        double[] s = weightSums.computeIfAbsent(row.exampleIds()[row.segmentIds()[p] - 1], k -> new double[2]);
        s[row.targetVision()[p] ? 1 : 0] += row.lossWeight()[p];
      }
    }
    assertEquals(ex.get("examples"), weightSums.size(), "every example is packed");
    for (Map.Entry<String, double[]> e : weightSums.entrySet()) {
      assertEquals(1.0, e.getValue()[0], 1e-4, e.getKey() + " text weights");
      assertEquals(e.getKey().startsWith("text_to_") ? 1.0 : 0.0, e.getValue()[1], 1e-4, e.getKey() + " vision weights");
    }
    Map<String, String> props = lake.properties(spark, Tables.PACKED);
    assertEquals(String.valueOf(rows1.size()), props.get("lwm.pack-s64.rows"));
    assertTrue(props.containsKey("lwm.pack-s64.fill_rate") && props.containsKey("lwm.pack-s64.tokens_chat"));
    assertTrue(p1.get("examples_split") > 0, "some books are longer than 64");

    StageSpec s2 = StageSpec.of("mix", Config.of(Map.of("pack.stages.mix.seq_len", "128", "pack.stages.mix.sources", "text=1,chat=1")),
        null, null, null, null);
    PackJob.run(spark, lake, s2, config);
    List<PackedRow> rows2 = PackedRows.stage(spark, lake, "mix");
    for (PackedRow row : rows2) for (String id : row.exampleIds()) assertTrue(id.startsWith("book:") || id.startsWith("chat:"), id);
    // re-running a stage gives the same rows and leaves the other stage alone
    PackJob.run(spark, lake, s1, config);
    assertEquals(rows1, PackedRows.stage(spark, lake, "s64"));
    assertEquals(rows2.size(), PackedRows.stage(spark, lake, "mix").size());
    // the reader over a stage of the table
    PackedReader reader = new PackedReader(rows1, 5, 0, 1);
    PackedRow[] shards = reader.nextShards(2, org.lwm.core.records.SequenceLayout.ZIGZAG);
    assertEquals(32, shards[0].length());

    // LWM export: one line per record; a vision line formats back to the examples row
    Path out = dir.resolve("lwm");
    JobCounts exp = LwmExport.run(spark, lake, out.toString(), 0);
    List<String> text = Files.readAllLines(out.resolve("text.jsonl")), vision = Files.readAllLines(out.resolve("vision.jsonl"));
    assertEquals(6 + 8 + 10, text.size(), "books, long_qa and chat; the long_qa row missing a part is left out");
    assertEquals(9, vision.size());
    assertEquals(4, exp.get("rejected"));
    ExampleFormatter fmt = new ExampleFormatter(tok, FormatOptions.defaults().withMaxFrames(4));
    Map<String, FormattedExample> byId = new HashMap<>();
    for (Row row : lake.read(spark, Tables.EXAMPLES).collectAsList()) byId.put(row.getAs("example_id"), ExamplesJob.fromRow(row));
    int checked = 0;
    for (String line : vision) {
      var o = ExampleJson.parseObject(line, "vision.jsonl");
      var rec = ExampleJson.record(o);
      FormattedExample f = fmt.format(o.get("id").asText(), null, rec, o.get("fields").asText());
      assertArrayEquals(byId.get(o.get("id").asText()).tokens(), f.tokens(), o.get("id").asText());
      checked++;
    }
    assertEquals(9, checked);

    // and LWM's own processors (the Python re-implementation) read the export into the same examples
    for (String file : List.of("text.jsonl", "vision.jsonl")) {
      Path ref = dir.resolve("ref-" + file);
      Process p = new ProcessBuilder("/usr/bin/python3", TestSpark.repoRoot().resolve("sequence-packing/src/test/resources/lwm_processors_reference.py").toString(),
          TestSpark.repoRoot().resolve("samples/tokenizer.model").toString(), out.resolve(file).toString(), ref.toString(), "--max-n-frames", "4")
          .redirectErrorStream(true).start();
      String log = new String(p.getInputStream().readAllBytes());
      assertEquals(0, p.waitFor(), "the Python reference failed (needs python3-sentencepiece, python3-numpy):\n" + log);
      List<String> lines = Files.readAllLines(out.resolve(file)), refs = Files.readAllLines(ref);
      assertEquals(lines.size(), refs.size());
      for (int i = 0; i < lines.size(); i++) {
        String id = ExampleJson.parseObject(lines.get(i), file).get("id").asText();
        FormattedExample lwm = byId.get(id);
        var tokens = ExampleJson.parseObject(refs.get(i), "ref").get("tokens");
        int[] t = new int[tokens.size()];
        for (int k = 0; k < t.length; k++) t[k] = tokens.get(k).asInt();
        assertArrayEquals(lwm.tokens(), t, "LWM's formatting of exported " + id);
      }
    }
  }

  static Integer[] codes(Random r, int n) {
    Integer[] c = new Integer[n];
    for (int i = 0; i < n; i++) c[i] = r.nextInt(8192);
    return c;
  }
}
