package org.lwm.trainer.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.cli.CommandProvider;
import org.lwm.core.config.Config;
import org.lwm.core.lake.Lake;
import org.lwm.core.spark.SparkSessions;
import org.lwm.trainer.data.StageRows;
import org.lwm.trainer.data.TrainingRows;
import org.lwm.trainer.train.StagedTraining;
import org.lwm.trainer.train.StepMetrics;
import org.lwm.trainer.train.TrainConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lwm train --config FILE}: the stages of a training run, in order, resumable. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = {"Train through the stages of a YAML config (see TrainConfig: output, model, parallel, optimizer, stages).",
        "Each stage starts from the previous stage's final checkpoint; a killed run resumes from the latest checkpoint "
            + "with the same losses; finished stages are skipped. Metrics go to OUTPUT/metrics.jsonl."})
public final class TrainCommand implements Runnable {
  @Option(names = "--config", required = true, paramLabel = "FILE", description = "Training YAML.")
  Path configFile;

  @Option(names = "--start-stage", paramLabel = "NAME", description = "Start at this stage (its predecessor's final checkpoint must exist).")
  String startStage;

  @Option(names = "--lake", paramLabel = "URI", description = "Lake root for stages reading the packed table (default: config 'lake').")
  String lake;

  public static final class Provider implements CommandProvider {
    @Override
    public Object command() {
      return new TrainCommand();
    }
  }

  @Override
  public void run() {
    TrainConfig cfg = TrainConfig.load(configFile);
    Lake l = Lake.of(lake != null ? lake : cfg.lake());
    List<StepMetrics> m = new StagedTraining(cfg, rowsFor(l), System.out).run(startStage);
    System.out.printf("train: %d steps this run; metrics in %s%n", m.size(), cfg.output().resolve("metrics.jsonl"));
  }

  /** JSON-lines stages read the file; packed stages read the lake through one lazily started local Spark session. */
  public static Function<TrainConfig.Stage, TrainingRows> rowsFor(Lake lake) {
    SparkSession[] spark = new SparkSession[1];
    return stage -> {
      if (stage.jsonl() != null) return StageRows.jsonLines(stage.jsonl());
      if (spark[0] == null) spark[0] = SparkSessions.create("lwm train", Config.of(Map.of()));
      return StageRows.lake(spark[0], lake, stage.packedStage());
    };
  }
}
