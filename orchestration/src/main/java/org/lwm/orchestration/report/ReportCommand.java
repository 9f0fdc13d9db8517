package org.lwm.orchestration.report;

import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.cli.CommonOptions;
import org.lwm.core.cli.UserError;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.spark.SparkSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lwm report}: the run report of a lake (and a training run's folder) as one HTML file. */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = {"One self-contained HTML file (inline PNGs, no network): tables and counts, rejects by reason, packing "
        + "histograms per stage, loss curves, the needle heatmap and a few decoded frames."})
public final class ReportCommand implements Runnable {
  @Mixin CommonOptions common;

  @Option(names = "--run", paramLabel = "DIR", description = "A training run's output folder (metrics.jsonl, needle/); default: runs/demo-train beside a local lake.")
  Path run;

  @Option(names = "--output", paramLabel = "FILE", defaultValue = "report.html", description = "The HTML file to write (default ${DEFAULT-VALUE}).")
  Path output;

  @Option(names = "--frames", paramLabel = "N", defaultValue = "3", description = "Videos whose first frame is decoded and shown (default ${DEFAULT-VALUE}; 0: none).")
  int frames;

  @Override
  public void run() {
    if (frames < 0) throw new UserError("--frames must be 0 or more, got " + frames);
    SparkSession spark = SparkSessions.create("report", common.config());
    JobCounts c = RunReport.write(spark, common.lake(), run, output, frames);
    c.print(System.out);
    System.out.println("report: " + output.toAbsolutePath());
  }
}
