package org.lwm.orchestration.pipeline;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.config.Config;
import org.lwm.core.lake.Lake;
import org.lwm.core.spark.SparkSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lwm run PIPELINE.yaml}: a pipeline's steps in dependency order, up-to-date steps skipped. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = {"Run a pipeline (docs/PIPELINES.md) in one Spark session: the plan, then a line per step.",
        "A step whose outputs record the same config, tokenizer, input versions and code is skipped, so a re-run after a",
        "failure or a kill resumes at the interrupted step. Every step's outcome goes to the lake's pipeline_runs table."})
public final class RunCommand implements Runnable {
  @Parameters(index = "0", paramLabel = "PIPELINE.yaml") Path file;
  @Option(names = "--lake", paramLabel = "URI", description = "Run against this lake instead of the pipeline's.") String lake;
  @Option(names = "--from", paramLabel = "ID", description = "Start at this step (earlier steps are not looked at).") String from;
  @Option(names = "--until", paramLabel = "ID", description = "Stop after this step.") String until;
  @Option(names = "--only", paramLabel = "ID", description = "Run only this step.") String only;
  @Option(names = "--dry-run", description = "Print the plan and which steps would run or be skipped; run nothing.") boolean dryRun;
  @Option(names = "--force", description = "Run every selected step even when it is up to date.") boolean force;
  @Option(names = "--param", paramLabel = "NAME=VALUE", description = "A value for ${params.NAME} (repeatable).") Map<String, String> params = new LinkedHashMap<>();
  @Option(names = "--run-date", paramLabel = "YYYY-MM-DD", description = "The value of ${run_date} (default: today, UTC).") String runDate;
  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "A config key for every step, over the pipeline's (repeatable).") Map<String, String> overrides = new LinkedHashMap<>();
  @Option(names = {"-v", "--verbose"}, description = "Show stack traces.") boolean verbose;

  @Override
  public void run() {
    run(file, lake, params, runDate, overrides, new PipelineRunner.Options(from, until, only, dryRun, force));
  }

  /** Loads, validates and runs; shared with {@code lwm demo}. */
  public static PipelineRunner.Outcome run(Path file, String lakeOverride, Map<String, String> params, String runDate,
      Map<String, String> overrides, PipelineRunner.Options options) {
    String date = runDate != null ? runDate : LocalDate.now(java.time.ZoneOffset.UTC).toString();
    Pipeline p = PipelineFile.load(file, params, date, lakeOverride);
    Lake lake = Lake.of(p.lake());
    Config session = Config.of(p.config()).withAll(p.spark()).withAll(overrides);
    SparkSession spark = SparkSessions.create("run " + p.name(), session);
    lake.checkReadable(spark);
    return new PipelineRunner(p, overrides, new StepArgs(() -> org.lwm.orchestration.Lwm.commandLine(false)), System.out)
        .run(spark, lake, options);
  }
}
