package org.lwm.trainer.cli;

import java.util.List;
import java.util.function.Function;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.cli.CommandProvider;
import org.lwm.core.cli.CommonOptions;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.core.lake.Lake;
import org.lwm.core.spark.SparkSessions;
import org.lwm.trainer.data.StageRows;
import org.lwm.trainer.train.StagedTraining;
import org.lwm.trainer.train.StepMetrics;
import org.lwm.trainer.train.TrainConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lwm train --config FILE [--master URL]}: the stages of a training run, in order, resumable. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = {"Train through the stages of a YAML config (see TrainConfig: output, model, parallel, optimizer, stages).",
        "Each stage starts from the previous stage's final checkpoint; a killed run resumes from the latest checkpoint "
            + "with the same losses; finished stages are skipped. Metrics go to OUTPUT/metrics.jsonl.",
        "With a local master the dp × sp ranks are threads; with any other (spark://, yarn, k8s://, local-cluster[…]) "
            + "each segment of checkpoint_every steps runs as one Spark barrier stage of dp × sp tasks."})
public final class TrainCommand implements Runnable {
  @Mixin CommonOptions common;

  @Option(names = "--master", paramLabel = "URL", description = "Spark master (default: config spark.master, else local threads).")
  String master;

  @Option(names = "--start-stage", paramLabel = "NAME", description = "Start at this stage (its predecessor's final checkpoint must exist).")
  String startStage;

  public static final class Provider implements CommandProvider {
    @Override
    public Object command() {
      return new TrainCommand();
    }
  }

  @Override
  public void run() {
    if (common.configFile() == null) throw new UserError("lwm train needs --config FILE (the training YAML)");
    TrainConfig cfg = TrainConfig.load(common.configFile());
    Config settings = master != null ? common.config().with("spark.master", master) : common.config();
    Lake l = common.lakeGiven() ? common.lake() : Lake.of(cfg.lake());
    String m = settings.get("spark.master", System.getProperty("spark.master", "local"));
    SparkSession spark = m.startsWith("local") && !m.startsWith("local-cluster") ? null : SparkSessions.create("train", settings);
    List<StepMetrics> done = StagedTraining.run(spark, rowsFor(l, spark, settings), cfg, startStage, System.out);
    System.out.printf("train: %d steps this run; metrics in %s/metrics.jsonl%n", done.size(), cfg.output());
  }

  /** JSON-lines stages read the file; packed stages read the lake through one lazily started local Spark session. */
  public static Function<TrainConfig.Stage, StageRows> rowsFor(Lake lake) {
    return rowsFor(lake, null, Config.empty());
  }

  static Function<TrainConfig.Stage, StageRows> rowsFor(Lake lake, SparkSession given, Config settings) {
    SparkSession[] spark = {given};
    return stage -> {
      if (stage.jsonl() != null) return StageRows.jsonLines(stage.jsonl());
      if (spark[0] == null) spark[0] = SparkSessions.create("train", settings);
      return StageRows.lake(spark[0], lake, stage.packedStage());
    };
  }
}
