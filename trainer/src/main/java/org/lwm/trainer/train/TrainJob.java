package org.lwm.trainer.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.step.ConfigKey;
import org.lwm.core.step.SourceFiles;
import org.lwm.core.step.Step;
import org.lwm.trainer.data.StageRows;

/**
 * {@code train}: the stages of a training YAML ({@link TrainConfig}) in order, packed stages read from the step's
 * lake. Resumable on its own (finished stages are skipped, a killed stage resumes from its latest checkpoint), so
 * as a pipeline step it is re-run whenever its inputs or its YAML change.
 */
public final class TrainJob implements Step {
  public static final String CONFIG = "train.config";
  public static final String START_STAGE = "train.start_stage";
  /** Replaces the YAML's {@code output} (the run directory), so one YAML serves several lakes. */
  public static final String OUTPUT = "train.output";

  @Override
  public String name() {
    return "train";
  }

  @Override
  public String description() {
    return "staged training with RingAttention through the stages of a training YAML";
  }

  @Override
  public List<String> reads() {
    return List.of(Tables.PACKED);
  }

  @Override
  public List<String> writes() {
    return List.of(); // checkpoints and metrics.jsonl go to the YAML's output directory
  }

  @Override
  public List<ConfigKey> keys() {
    return List.of(ConfigKey.of(CONFIG, "the training YAML (output, model, parallel, optimizer, stages)"),
        ConfigKey.of(START_STAGE, "start at this stage (its predecessor's final checkpoint must exist)"),
        ConfigKey.of(OUTPUT, "the run directory, instead of the YAML's output"));
  }

  @Override
  public String sourceVersion(SparkSession spark, Config config) {
    return SourceFiles.version(spark, config.getList(CONFIG));
  }

  @Override
  public JobCounts run(SparkSession spark, Lake lake, Config config) {
    if (!config.has(CONFIG)) throw new UserError("train: no training YAML: pass --config FILE (config " + CONFIG + ")");
    TrainConfig cfg = TrainConfig.load(config.get(CONFIG, null));
    if (config.has(OUTPUT)) cfg = cfg.withOutput(config.get(OUTPUT, null));
    JobCounts counts = new JobCounts("train");
    // a local master: the ranks are threads; any other: one Spark barrier stage of dp × sp tasks per segment
    List<StepMetrics> m = StagedTraining.run(spark, stage -> stage.jsonl() != null ? StageRows.jsonLines(stage.jsonl())
        : StageRows.lake(spark, lake, stage.packedStage()), cfg, config.get(START_STAGE, null), System.out);
    Map<String, double[]> firstLast = new LinkedHashMap<>();
    long tokens = 0;
    for (StepMetrics s : m) {
      firstLast.computeIfAbsent(s.stage(), k -> new double[] {s.loss(), s.loss()})[1] = s.loss();
      tokens += s.tokens();
    }
    counts.put("steps", m.size()).put("tokens", tokens);
    firstLast.forEach((stage, fl) -> counts.put("loss." + stage, String.format(Locale.ROOT, "%.3f -> %.3f", fl[0], fl[1])));
    counts.put("output", cfg.output().toString());
    return counts;
  }
}
