package org.lwm.orchestration.report;

import java.nio.file.Path;
import org.lwm.core.cli.StepCommand;
import org.lwm.core.config.Config;
import org.lwm.core.step.Step;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lwm report}: the run report of a lake (and a training run's folder) as one HTML file. */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = {"One self-contained HTML file (inline PNGs, no network): tables and counts, rejects by reason, packing "
        + "histograms per stage, loss curves, the needle heatmap and a few decoded frames."})
public final class ReportCommand extends StepCommand {
  @Option(names = "--run", paramLabel = "DIR", description = "A training run's output folder (metrics.jsonl, needle/); default: runs/demo-train beside a local lake.")
  Path run;

  @Option(names = "--output", paramLabel = "FILE", description = "The HTML file to write (default report.html).")
  Path output;

  @Option(names = "--frames", paramLabel = "N", description = "Videos whose first frame is decoded and shown (default 3; 0: none).")
  Integer frames;

  @Override
  public Step step() {
    return new ReportJob();
  }

  @Override
  public Config configure(Config base) {
    return base.withIfSet(ReportJob.RUN, run).withIfSet(ReportJob.OUTPUT, output).withIfSet(ReportJob.FRAMES, frames);
  }
}
