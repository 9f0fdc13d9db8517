package org.lwm.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.records.PackedRow;
import org.lwm.core.records.PackedRowSchema;
import org.lwm.core.step.StepExecution;
import org.lwm.core.testing.TestSpark;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.trainer.checkpoint.Checkpoint;
import org.lwm.trainer.eval.NeedleJob;

/** The train and eval needle steps on a lake whose packed table holds two stages packed trivially here. */
class TrainStepsTest {
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
  void trainsThroughTwoStagesWithGrowingThetaThenTheNeedleEvalRunsAndBothAreUpToDateAfterwards() throws Exception {
    SparkSession spark = TestSpark.session();
    Lake lake = TestSpark.newLake();
    Path root = TestSpark.repoRoot();
    Path model = root.resolve("samples/tokenizer.model");
    SentencePieceTokenizer tok = SentencePieceTokenizer.load(model);
    String text = Files.readString(root.resolve("samples/books/01-Genesis.txt"));
    int[] tokens = tok.encode(text);
    List<Row> packed = new ArrayList<>(pack("s128", tokens, 128, 4));
    packed.addAll(pack("s256", tokens, 256, 2));
    lake.overwrite(spark.createDataFrame(packed, PackedRowSchema.SCHEMA.add("stage", DataTypes.StringType, false)), Tables.PACKED);
    StructType books = new StructType().add("book_id", DataTypes.StringType).add("title", DataTypes.StringType).add("text", DataTypes.StringType);
    lake.overwrite(spark.createDataFrame(List.of(RowFactory.create("b1", "Genesis", text)), books), Tables.BOOKS);
    Path yaml = tmp.resolve("train.yaml");
    Files.writeString(yaml, String.join("\n",
        "output: ignored-see-train.output",
        "model: {vocab_size: 8000, hidden_size: 32, intermediate_size: 96, num_hidden_layers: 2, num_attention_heads: 4,"
            + " rope_theta: 10000, max_position_embeddings: 512}",
        "parallel: {sp: 2, layout: zigzag, query_chunk: 64, key_chunk: 64}",
        "checkpoint_every: 1000",
        "stages:",
        "  - {name: s128, seq_len: 128, rope_theta: 1.0e4, steps: 5, sequences_per_step: 2, lr: 2.0e-3, end_lr: 2.0e-4,"
            + " warmup_steps: 2, schedule: cosine, data: {packed_stage: s128}}",
        "  - {name: s256, seq_len: 256, rope_theta: 2.0e4, steps: 2, sequences_per_step: 1, lr: 2.0e-3, schedule: constant,"
            + " data: {packed_stage: s256}}", ""));
    Path run = tmp.resolve("run");
    Config train = Config.of(Map.of(TrainJob.CONFIG, yaml.toString(), TrainJob.OUTPUT, run.toString()));
    JobCounts c = StepExecution.run(new TrainJob(), spark, lake, train, "train");
    assertEquals(7, c.get("steps"));
    String[] s128 = ((String) c.values().get("loss.s128")).split(" -> ");
    assertTrue(Double.parseDouble(s128[1]) < Double.parseDouble(s128[0]), "loss falls during the first stage: " + c.values());
    assertEquals(10000.0, Checkpoint.readConfig(run.resolve("s128/final")).ropeTheta());
    assertEquals(20000.0, Checkpoint.readConfig(run.resolve("s256/final")).ropeTheta());
    assertTrue(StepExecution.upToDate(new TrainJob(), spark, lake, train, "train"));

    Config needle = Config.of(Map.of("eval.needle.checkpoint", run.resolve("s256/final").toString(), StepExecution.TOKENIZER_KEY, model.toString(),
        "eval.needle.lengths", "96,128", "eval.needle.depths", "0,100", "eval.needle.seeds", "1", "eval.needle.max_new_tokens", "2",
        "eval.needle.output", run.resolve("needle").toString()));
    JobCounts n = StepExecution.run(new NeedleJob(), spark, lake, needle, "needle");
    assertEquals(4, n.get("cells"));
    assertTrue(Files.exists(run.resolve("needle/needle.png")));
    assertTrue(StepExecution.upToDate(new NeedleJob(), spark, lake, needle, "needle"));
    // another checkpoint is another input: the eval is no longer up to date
    Config other = needle.with("eval.needle.checkpoint", run.resolve("s128/final").toString());
    assertFalse(StepExecution.upToDate(new NeedleJob(), spark, lake, other, "needle"));
  }
}
