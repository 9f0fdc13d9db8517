package org.lwm.orchestration.report;

import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.step.ConfigKey;
import org.lwm.core.step.SourceFiles;
import org.lwm.core.step.Step;
import org.lwm.core.step.StepProvider;

/** {@code report}: the run report ({@link RunReport}) as a pipeline step, the demo's last. */
public final class ReportJob implements Step {
  public static final String OUTPUT = "report.output";
  public static final String RUN = "report.run";
  public static final String FRAMES = "report.frames";

  /** Registers the orchestration module's own steps. */
  public static final class Steps implements StepProvider {
    @Override
    public List<Step> steps() {
      return List.of(new ReportJob());
    }
  }

  @Override
  public String name() {
    return "report";
  }

  @Override
  public String description() {
    return "one self-contained HTML report of the lake and a training run";
  }

  @Override
  public List<String> reads() {
    return List.of(Tables.BOOKS, Tables.BOOK_TOKENS, Tables.CHUNKS, Tables.QA_PAIRS, Tables.LONG_QA, Tables.CHAT, Tables.CHAT_MIX,
        Tables.VIDEOS, Tables.VISION_TOKENS, Tables.EXAMPLES, Tables.PACKED, Tables.REJECTS);
  }

  /** It reports whatever the lake has. */
  @Override
  public List<String> requires() {
    return List.of();
  }

  @Override
  public List<String> writes() {
    return List.of();
  }

  @Override
  public List<ConfigKey> keys() {
    return List.of(ConfigKey.of(OUTPUT, "report.html", "the HTML file to write"),
        ConfigKey.of(RUN, "a training run's output folder (metrics.jsonl, needle/); default: runs/demo-train beside a local lake"),
        ConfigKey.of(FRAMES, "3", "videos whose first frame is decoded and shown (0: none)"));
  }

  @Override
  public String sourceVersion(SparkSession spark, Config config) {
    return SourceFiles.version(spark, config.getList(RUN));
  }

  @Override
  public JobCounts run(SparkSession spark, Lake lake, Config config) {
    int frames = config.getInt(FRAMES, 3);
    if (frames < 0) throw new UserError("report: " + FRAMES + " (--frames) must be 0 or more, got " + frames);
    Path output = Path.of(config.get(OUTPUT, "report.html")).toAbsolutePath();
    JobCounts c = RunReport.write(spark, lake, config.has(RUN) ? Path.of(config.get(RUN, null)) : null, output, frames);
    System.out.println("report: " + output);
    return c.put("report", output.toString());
  }
}
