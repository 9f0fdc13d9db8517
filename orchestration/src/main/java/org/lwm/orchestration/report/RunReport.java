package org.lwm.orchestration.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.LwmVersion;
import org.lwm.core.cli.UserError;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.trainer.eval.Heatmap;
import org.lwm.trainer.eval.NeedleJson;
import org.lwm.trainer.train.MetricsFile;
import org.lwm.trainer.train.StepMetrics;
import org.lwm.vqgan.VisionFrames;

/**
 * The run report: one self-contained HTML file (every picture an inline PNG, no script, nothing fetched) with the
 * lake's tables and row counts, rejects by reason, book and long-QA lengths, per packing stage its fill rate and
 * histograms of fill and segments per row, and, from a training run's folder, the loss curves and the needle
 * heatmap; plus a few frames of {@code vision_tokens} decoded back through the VQGAN beside the originals.
 * Sections whose tables or files are missing say so instead.
 */
public final class RunReport {
  public static final String JOB = "report";

  private RunReport() {}

  /** The report with up to 3 decoded frames; {@code runDir} null: the demo's run folder beside a local lake, if any. */
  public static JobCounts write(SparkSession spark, Lake lake, Path runDir, Path output) {
    return write(spark, lake, runDir, output, 3);
  }

  public static JobCounts write(SparkSession spark, Lake lake, Path runDir, Path output, int frames) {
    JobCounts counts = new JobCounts(JOB);
    lake.checkReadable(spark);
    LakeStats stats = new LakeStats(spark, lake);
    Path run = runDir != null ? runDir : org.lwm.orchestration.DemoCommand.trainingRun(lake);
    StringBuilder b = new StringBuilder();
    Map<String, Long> tables = stats.tableCounts();
    b.append("<section><h2>Tables</h2>\n");
    if (tables.isEmpty()) {
      b.append("<p>The lake has no tables yet.</p>\n");
    } else {
      List<List<?>> rows = new ArrayList<>();
      rows.add(List.of("table", "rows"));
      tables.forEach((t, n) -> rows.add(List.of(t, n)));
      b.append(Html.table(rows));
    }
    b.append("</section>\n");
    counts.put("tables", tables.size());

    b.append("<section><h2>Rejects by reason</h2>\n");
    List<LakeStats.RejectCount> rejects = stats.rejectsByReason();
    b.append(Html.rejects(rejects));
    counts.put("rejects", rejects.stream().mapToLong(LakeStats.RejectCount::count).sum());
    b.append("</section>\n");

    List<String> images = new ArrayList<>();
    b.append("<section><h2>Books and long-context QA</h2>\n<div class=\"row\">\n");
    if (tables.containsKey(Tables.BOOK_TOKENS)) {
      images.add(fig(b, Charts.histogram("Book lengths", "tokens per book", stats.histogram(Tables.BOOK_TOKENS, "n_tokens", 20)), 620, 340,
          "Tokens per book (" + tables.get(Tables.BOOK_TOKENS) + " books)"));
    }
    if (tables.containsKey(Tables.LONG_QA)) {
      images.add(fig(b, Charts.histograms("long_qa lengths against their targets", "tokens per example", stats.longQaLengths(20)), 620, 340,
          "Tokens per long-QA example, binned up to each target length"));
    }
    b.append("</div></section>\n");

    b.append("<section><h2>Packing</h2>\n");
    if (tables.containsKey(Tables.PACKED)) {
      List<LakeStats.Stage> stages = stats.stages();
      b.append(Html.stages(stages));
      for (LakeStats.Stage s : stages) {
        b.append("<h3>stage ").append(Html.esc(s.stage())).append("</h3>\n<div class=\"row\">\n");
        images.add(fig(b, Charts.histogram("Fill per row, stage " + s.stage(), "used positions / seq_len",
            stats.stageHistogram(s.stage(), "used / seq_len", 20)), 560, 320, "Fill of each packed row, stage " + s.stage()));
        images.add(fig(b, Charts.histogram("Segments per row, stage " + s.stage(), "examples packed in the row",
            stats.stageCounts(s.stage(), "segments")), 560, 320, "Examples per packed row, stage " + s.stage()));
        b.append("</div>\n");
      }
    } else {
      b.append("<p>No <code>packed</code> table yet.</p>\n");
    }
    b.append("</section>\n");

    b.append("<section><h2>Training</h2>\n");
    Path metrics = run.resolve("metrics.jsonl");
    if (Files.exists(metrics)) {
      List<StepMetrics> m = MetricsFile.read(metrics);
      b.append("<p>Run folder <code>").append(Html.esc(run.toAbsolutePath())).append("</code>: ").append(m.size())
          .append(" optimizer steps.</p>\n<div class=\"row\">\n");
      images.add(fig(b, TrainingCharts.loss(m), 760, 380, "Loss per stage and modality"));
      images.add(fig(b, TrainingCharts.learningRate(m), 520, 380, "Learning rate schedule"));
      b.append("</div>\n");
      counts.put("steps", m.size());
    } else {
      b.append("<p>No <code>").append(Html.esc(metrics)).append("</code>: no training run to show (pass --run DIR).</p>\n");
    }
    Path needle = run.resolve("needle").resolve("needle.json");
    if (Files.exists(needle)) {
      var grid = NeedleJson.read(needle);
      images.add(fig(b, Heatmap.chart(grid), Heatmap.image(grid).getWidth(), Heatmap.image(grid).getHeight(),
          String.format(Locale.ROOT, "Needle-in-a-haystack accuracy (mean %.2f)", grid.mean())));
    }
    b.append("</section>\n");

    b.append("<section><h2>Vision tokens decoded</h2>\n");
    int shown = 0;
    if (frames > 0 && tables.containsKey(Tables.VISION_TOKENS) && tables.get(Tables.VISION_TOKENS) > 0) {
      b.append("<p>Each pair: the frame as the encoder saw it, and its 256 codes decoded back by the checkpoint's VQGAN decoder (")
          .append(Html.esc(lake.properties(spark, Tables.VISION_TOKENS).get("lwm.vqgan.checkpoint")))
          .append("; seeded random weights reproduce no picture, real weights do).</p>\n<div class=\"row\">\n");
      for (VisionFrames.Frame f : VisionFrames.firstFrames(spark, lake, frames, null)) {
        String name = f.videoId().substring(0, Math.min(12, f.videoId().length()));
        images.add(fig(b, Charts.frames(List.of(f)),
            "video " + name + " frame " + f.frameIndex() + String.format(Locale.ROOT, " (t = %.1f s)", f.timestampS())));
        shown++;
      }
      b.append("</div>\n");
    } else {
      b.append("<p>No frames shown").append(frames > 0 ? ": the lake has no vision tokens" : "").append(".</p>\n");
    }
    b.append("</section>\n");
    counts.put("frames", shown);
    counts.put("images", images.size());

    String html = page(lake, b.toString());
    try {
      if (output.toAbsolutePath().getParent() != null) Files.createDirectories(output.toAbsolutePath().getParent());
      Files.writeString(output, html, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UserError("cannot write the report to " + output + ": " + e.getMessage());
    }
    counts.put("bytes", html.getBytes(StandardCharsets.UTF_8).length);
    counts.put("output", output.toAbsolutePath().toString());
    return counts;
  }

  private static String fig(StringBuilder b, org.jfree.chart.JFreeChart chart, int w, int h, String caption) {
    return fig(b, Charts.image(chart, w, h), caption);
  }

  private static String fig(StringBuilder b, java.awt.image.BufferedImage im, String caption) {
    b.append(Html.figure(im, caption));
    return caption;
  }

  static String page(Lake lake, String body) {
    return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>LWM run report</title>\n<style>\n"
        + "body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;margin:24px 32px;color:#222;max-width:1500px}\n"
        + "h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:28px}\n"
        + "h3{font-size:15px;margin:14px 0 4px}table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 10px;font-size:13px}\n"
        + "th{background:#f2f2f2;text-align:left}td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
        + ".row{display:flex;flex-wrap:wrap;gap:16px}figure{margin:6px 0}figcaption{font-size:12px;color:#555}\n"
        + ".meta{color:#555;font-size:13px}code{font-size:12px}\n</style></head>\n<body>\n<h1>LWM run report</h1>\n"
        + "<p class=\"meta\">lake <code>" + Html.esc(lake.root()) + "</code> · lwm " + Html.esc(LwmVersion.get()) + " · written "
        + Html.esc(Instant.now().toString()) + "</p>\n" + body + "</body></html>\n";
  }
}
