package org.lwm.orchestration.report;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.core.lake.Lake;
import org.lwm.core.spark.SparkSessions;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.trainer.train.MetricsFile;
import org.lwm.trainer.train.StepMetrics;

/**
 * A notebook's way into the lake: the lake named by {@code $LWM_LAKE} (default {@code ./lake}), a local Spark
 * session built by the jobs' own factory (two cores, Delta, S3A from the environment), the run folder of a
 * training run ({@code $LWM_RUN}, else the demo's {@code runs/demo-train} beside a local lake) and the tokenizer
 * ({@code $LWM_TOKENIZER}, else the sample's, under {@code $LWM_HOME}).
 */
public final class Explore {
  // java.util.logging keeps loggers weakly: hold the one whose level is changed
  private static final Logger JANINO = Logger.getLogger("org.codehaus.janino");

  private final SparkSession spark;
  private final Lake lake;

  private Explore(SparkSession spark, Lake lake) {
    this.spark = spark;
    this.lake = lake;
  }

  public static Explore open() {
    String root = System.getenv("LWM_LAKE");
    return open(root == null || root.isBlank() ? "lake" : root);
  }

  public static Explore open(String lakeUri) {
    // Jupyter's Java kernel routes java.util.logging to SLF4J at every level; Spark's code generator (Janino)
    // then fails formatting its own trace messages. Its warnings are all a notebook needs.
    JANINO.setLevel(Level.WARNING);
    // the kernel's snippets run with a class loader that sees the project's jars; Spark looks classes up through
    // the thread's context loader (Delta's extensions, Hadoop's file systems)
    Thread.currentThread().setContextClassLoader(Explore.class.getClassLoader());
    Lake lake = Lake.of(lakeUri);
    SparkSession spark = SparkSessions.create("notebook", Config.of(Map.of("spark.master", "local[2]",
        "spark.sql.shuffle.partitions", "2", "spark.ui.enabled", "false", "spark.databricks.delta.snapshotPartitions", "2")));
    lake.checkReadable(spark);
    return new Explore(spark, lake);
  }

  public SparkSession spark() {
    return spark;
  }

  public Lake lake() {
    return lake;
  }

  public LakeStats stats() {
    return new LakeStats(spark, lake);
  }

  public Dataset<Row> table(String name) {
    return lake.read(spark, name);
  }

  /** The training run's folder (metrics.jsonl, checkpoints, needle/). */
  public Path runDir() {
    String run = System.getenv("LWM_RUN");
    if (run != null && !run.isBlank()) return Path.of(run);
    return org.lwm.orchestration.DemoCommand.trainingRun(lake);
  }

  public List<StepMetrics> metrics() {
    Path f = runDir().resolve("metrics.jsonl");
    if (!Files.exists(f)) throw new UserError("no " + f + ": set LWM_RUN to a training run's output folder");
    return MetricsFile.read(f);
  }

  public SentencePieceTokenizer tokenizer() {
    String t = System.getenv("LWM_TOKENIZER");
    Path file = t != null && !t.isBlank() ? Path.of(t) : home().resolve("samples").resolve("tokenizer.model");
    if (!Files.exists(file)) throw new UserError("no tokenizer at " + file + ": set LWM_TOKENIZER");
    return SentencePieceTokenizer.load(file);
  }

  static Path home() {
    String h = System.getenv("LWM_HOME");
    if (h == null || h.isBlank()) h = System.getProperty("lwm.home", ".");
    return Path.of(h);
  }

  /** Stops the Spark session (the kernel's JVM keeps running). */
  public void close() {
    spark.stop();
  }
}
