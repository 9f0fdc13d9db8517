package org.lwm.trainer.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.core.config.Config;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.records.PackedRow;
import org.lwm.core.records.PackedRowSchema;
import org.lwm.core.testing.TestSpark;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.trainer.checkpoint.Checkpoint;

/** The demo step on a lake whose packed table holds two stages packed trivially here (the packer's job at merge). */
class TrainerDemoTest {
  @TempDir Path tmp;

  /** Book text tokenized and cut into rows of one segment per 64 tokens: a stand-in for the packer's output. */
  static List<Row> pack(String stage, int[] tokens, int length, int rows) {
    List<Row> out = new ArrayList<>();
    int at = 0;
    for (int i = 0; i < rows; i++) {
      int[] in = new int[length], tg = new int[length], seg = new int[length], pos = new int[length];
      float[] w = new float[length];
      for (int p = 0; p < length; p++) {
        in[p] = tokens[(at + p) % tokens.length];
        tg[p] = tokens[(at + p + 1) % tokens.length];
        seg[p] = 1 + p / 64;
        pos[p] = p % 64;
        w[p] = pos[p] == 63 ? 0f : 1f / 63;
      }
      at += length;
      Row r = PackedRowSchema.toRow(new PackedRow(i, in, tg, w, new boolean[length], new boolean[length], seg, pos, new String[0]));
      Object[] v = new Object[r.size() + 1];
      for (int c = 0; c < r.size(); c++) v[c] = r.get(c);
      v[r.size()] = stage;
      out.add(RowFactory.create(v));
    }
    return out;
  }

  @Test
  void trainsThroughTwoStagesWithGrowingThetaAndRunsTheNeedleEval() throws Exception {
    SparkSession spark = TestSpark.session();
    Lake lake = TestSpark.newLake();
    Path root = TestSpark.repoRoot();
    SentencePieceTokenizer tok = SentencePieceTokenizer.load(root.resolve("samples/tokenizer.model"));
    String text = Files.readString(root.resolve("samples/books/01-Genesis.txt"));
    int[] tokens = tok.encode(text);
    List<Row> packed = new ArrayList<>(pack("s128", tokens, 128, 4));
    packed.addAll(pack("s256", tokens, 256, 2));
    StructType schema = PackedRowSchema.SCHEMA.add("stage", DataTypes.StringType, false);
    lake.overwrite(spark.createDataFrame(packed, schema), Tables.PACKED);
    StructType books = new StructType().add("book_id", DataTypes.StringType).add("title", DataTypes.StringType).add("text", DataTypes.StringType);
    lake.overwrite(spark.createDataFrame(List.of(RowFactory.create("b1", "Genesis", text)), books), Tables.BOOKS);

    Config c = Config.of(Map.of("demo.train.output", tmp.resolve("run").toString(), "demo.train.steps", "5,2",
        "demo.train.hidden_size", "32", "demo.train.needle_lengths", "96,128", "demo.train.needle_new_tokens", "2"));
    TrainerDemo.Outcome o = TrainerDemo.run(spark, lake, root.resolve("samples/tokenizer.model"), c);
    assertEquals(List.of("s128", "s256"), o.stages());
    assertEquals(7, o.steps().size());
    assertTrue(o.steps().get(4).loss() < o.steps().get(0).loss(), "loss falls during the first stage");
    assertEquals(10000.0, Checkpoint.readConfig(tmp.resolve("run/s128/final")).ropeTheta());
    assertEquals(20000.0, Checkpoint.readConfig(tmp.resolve("run/s256/final")).ropeTheta());
    assertTrue(Files.exists(tmp.resolve("run/needle/needle.png")));
    assertEquals(2, o.needle().accuracy().length);
  }

  @Test
  void runsGoBesideALocalLake() {
    assertEquals(Path.of("/data/runs/demo-train").toString(), TrainerDemo.defaultOutput(Lake.of("/data/lake")));
    assertEquals("runs/demo-train", TrainerDemo.defaultOutput(Lake.of("s3a://bucket/lake")));
  }

  @Test
  void withoutAPackedTableTheDemoSaysSoAndTrainsNothing() {
    assertEquals(null, TrainerDemo.run(TestSpark.session(), TestSpark.newLake(), TestSpark.repoRoot().resolve("samples/tokenizer.model"),
        Config.empty()));
  }
}
