package org.lwm.core.cli;

import org.apache.spark.sql.SparkSession;
import org.lwm.core.config.Config;
import org.lwm.core.lake.Lake;
import org.lwm.core.spark.SparkSessions;
import org.lwm.core.step.Step;
import org.lwm.core.step.StepExecution;
import picocli.CommandLine.Mixin;

/**
 * A job's sub-command: its options become config keys ({@link #configure}), then the step runs with its provenance.
 * {@code lwm run} parses a pipeline step's {@code args} with the same class, so an option means the same in both.
 */
public abstract class StepCommand implements Runnable {
  @Mixin protected CommonOptions common;

  /** The step this command runs. */
  public abstract Step step();

  /** {@code base} with this command's options set as config keys (options not given leave it as it is). */
  public abstract Config configure(Config base);

  /** The {@code --config} file given on this command line (a path or URI), or null. */
  protected String configFile() {
    return common.configFile;
  }

  /** The {@code --set} overrides given on this command line. */
  public java.util.Map<String, String> overrides() {
    return common.overrides;
  }

  @Override
  public void run() {
    Config config = configure(common.config());
    Step step = step();
    Lake lake = common.lake();
    SparkSession spark = SparkSessions.create(step.name(), config);
    lake.checkReadable(spark);
    StepExecution.run(step, spark, lake, config).print(System.out);
  }
}
