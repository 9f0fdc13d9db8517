package org.lwm.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;
import org.lwm.core.config.Config;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.records.PackedRowSchema;
import org.lwm.core.spark.Hadoop;
import org.lwm.core.spark.SparkSessions;
import org.lwm.core.testing.S3Server;
import org.lwm.core.testing.TestSpark;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.trainer.data.StageRows;
import org.lwm.trainer.runtime.RunDirectory;

/**
 * Everything on s3a:// (s3proxy on loopback): the training YAML, the lake's packed stage the ranks stream, the run
 * directory with its row file, checkpoints and metrics. A run stopped mid-stage resumes from the checkpoint on S3
 * with the losses of an uninterrupted run.
 */
class S3TrainingTest {
  static final String YAML = String.join("\n",
      "output: run",
      "seed: 3",
      "model: {vocab_size: 8000, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 4,"
          + " max_position_embeddings: 256}",
      "parallel: {sp: 2, layout: zigzag, query_chunk: 32, key_chunk: 32}",
      "checkpoint_every: 2",
      "stages:",
      "  - {name: s128, seq_len: 128, rope_theta: 1.0e4, steps: 5, sequences_per_step: 2, lr: 2.0e-3, schedule: constant,"
          + " data: {packed_stage: s128}}", "");

  @Test
  void configLakeAndRunDirectoryOnS3AndAStoppedRunResumesWithTheSameLosses() throws Exception {
    S3Server s3 = S3Server.get();
    s3.createBucket("train");
    SparkSession spark = TestSpark.session();
    SparkSessions.applyS3a(spark, s3.config(TestSpark.config()));
    Lake lake = Lake.of("s3a://train/lake");
    SentencePieceTokenizer tok = SentencePieceTokenizer.load(TestSpark.repoRoot().resolve("samples/tokenizer.model"));
    int[] tokens = tok.encode(Files.readString(TestSpark.repoRoot().resolve("samples/books/01-Genesis.txt")));
    List<Row> rows = TrainStepsTest.pack("s128", tokens, 128, 6);
    lake.overwrite(spark.createDataFrame(rows, PackedRowSchema.SCHEMA.add("stage", DataTypes.StringType, false)), Tables.PACKED);
    FileSystem fs = Hadoop.fs("s3a://train/");
    try (OutputStream out = fs.create(new Path("s3a://train/conf/train.yaml"))) {
      out.write(YAML.getBytes(StandardCharsets.UTF_8));
    }

    // the YAML is read through Hadoop; its relative output lands beside it on S3
    TrainConfig cfg = TrainConfig.load("s3a://train/conf/train.yaml");
    assertEquals("s3a://train/conf/run", cfg.output());
    List<StepMetrics> whole = run(cfg.withOutput("s3a://train/whole"), spark, lake, 0);
    assertEquals(5, whole.size());

    ByteArrayOutputStream log = new ByteArrayOutputStream();
    List<StepMetrics> resumed = new ArrayList<>(run(cfg, spark, lake, 3)); // stopped after step 3: checkpoint-2 on S3
    assertTrue(fs.exists(new Path("s3a://train/conf/run/s128/checkpoint-2/" + RunDirectory.COMPLETE)));
    assertTrue(fs.exists(new Path("s3a://train/conf/run/rows/s128.lwmrows")), "the stage's row file is in the run directory");
    resumed.addAll(new StagedTraining(cfg, stage -> StageRows.lake(spark, lake, stage.packedStage()), new PrintStream(log, true)).run(null));
    assertTrue(log.toString().contains("resuming at step 2 from s3a://train/conf/run/s128/checkpoint-2"), log.toString());
    for (StepMetrics w : whole) {
      StepMetrics r = null;
      for (StepMetrics x : resumed) if (x.step() == w.step()) r = x; // the resumed run's repeat of step 3 comes last
      assertTrue(r != null, "step " + w.step() + " never ran");
      assertEquals(w.loss(), r.loss(), 0.0, "loss of step " + w.step());
    }
    assertTrue(fs.exists(new Path("s3a://train/conf/run/s128/final/model.safetensors")));
    assertTrue(fs.exists(new Path("s3a://train/conf/run/s128/final/" + RunDirectory.COMPLETE)));
    assertFalse(fs.exists(new Path("s3a://train/conf/run/rows/s128.lwmrows")), "a finished stage's row file is removed");
    String metrics = Config.readText("s3a://train/conf/run/metrics.jsonl");
    assertEquals(3 + 3, metrics.lines().count(), "metrics.jsonl on S3 has a line per step run, repeats included:\n" + metrics);
  }

  private static List<StepMetrics> run(TrainConfig cfg, SparkSession spark, Lake lake, int stopAfter) {
    return new StagedTraining(cfg, stage -> StageRows.lake(spark, lake, stage.packedStage()), new PrintStream(new ByteArrayOutputStream()))
        .stopAfter(stopAfter).run(null);
  }
}
