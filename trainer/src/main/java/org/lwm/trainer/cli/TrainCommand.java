package org.lwm.trainer.cli;

import org.lwm.core.cli.CommandProvider;
import org.lwm.core.cli.StepCommand;
import org.lwm.core.config.Config;
import org.lwm.core.step.Step;
import org.lwm.trainer.train.TrainJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lwm train --config FILE [--master URL]}: the stages of a training run, in order, resumable. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = {"Train through the stages of a YAML config (see TrainConfig: output, model, parallel, optimizer, stages);",
        "the same file may hold spark.*, s3.* and lake settings. Each stage starts from the previous stage's final checkpoint;",
        "a killed run resumes from the latest checkpoint with the same losses; finished stages are skipped. Metrics go to",
        "OUTPUT/metrics.jsonl. With a local master the dp × sp ranks are threads; with any other (spark://, yarn, k8s://,",
        "local-cluster[…]) each segment of checkpoint_every steps runs as one Spark barrier stage of dp × sp tasks."})
public final class TrainCommand extends StepCommand {
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
  public Step step() {
    return new TrainJob();
  }

  @Override
  public Config configure(Config base) {
    return base.withIfSet(TrainJob.CONFIG, configFile()).withIfSet(TrainJob.START_STAGE, startStage).withIfSet("spark.master", master);
  }
}
