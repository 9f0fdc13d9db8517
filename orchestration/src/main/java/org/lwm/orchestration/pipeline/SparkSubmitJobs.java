package org.lwm.orchestration.pipeline;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.lwm.core.cli.UserError;

/**
 * A pipeline as spark-submit batch jobs: one spark-submit of the fat jar per step ({@link StepInvocation}), in
 * dependency order, stopping at the first that fails; or the same commands as a bash script for cron.
 */
public final class SparkSubmitJobs {
  /** Where the steps run: spark-submit's {@code --master} and {@code --deploy-mode}, the jar, the spark-submit to call. */
  public record Target(String master, String deployMode, String jar, String sparkSubmit) {}

  private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

  private SparkSubmitJobs() {}

  /** The spark-submit command line of one step. */
  public static List<String> command(Pipeline p, PipelineStep s, Target t) {
    StepInvocation inv = StepInvocation.of(p, s);
    List<String> cmd = new ArrayList<>(List.of(t.sparkSubmit(), "--master", t.master()));
    if (t.deployMode() != null) cmd.addAll(List.of("--deploy-mode", t.deployMode()));
    cmd.addAll(List.of("--class", StepInvocation.MAIN_CLASS, "--name", inv.name()));
    inv.sparkConf().forEach((k, v) -> cmd.addAll(List.of("--conf", k + "=" + v)));
    cmd.add(t.jar());
    cmd.addAll(inv.arguments());
    return cmd;
  }

  /**
   * Runs every step's spark-submit in order, its output passed through to {@code out} under a line naming the step;
   * the first that exits non-zero ends the run with a one-line error naming it and the steps not run.
   */
  public static void run(Pipeline p, List<PipelineStep> order, Target t, PrintStream out) {
    for (int i = 0; i < order.size(); i++) {
      PipelineStep s = order.get(i);
      out.println("lwm: step " + (i + 1) + "/" + order.size() + " " + s.id() + " (" + s.job() + "): spark-submit --master " + t.master());
      out.flush();
      int code = exec(command(p, s, t), out);
      if (code != 0) {
        List<String> left = order.subList(i + 1, order.size()).stream().map(PipelineStep::id).toList();
        throw new UserError("step '" + s.id() + "' (" + s.job() + ") failed: spark-submit exited with " + code
            + (left.isEmpty() ? "" : "; not run: " + String.join(", ", left)));
      }
      out.println("lwm: step " + s.id() + " done");
    }
  }

  private static int exec(List<String> cmd, PrintStream out) {
    try {
      Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      proc.getOutputStream().close();
      try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) out.println(line);
      }
      return proc.waitFor();
    } catch (IOException e) {
      throw new UserError("cannot start " + cmd.get(0) + ": " + e.getMessage() + " (install Spark and put spark-submit on the PATH, set SPARK_HOME, or pass --spark-submit)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserError("interrupted while running " + cmd.get(0));
    }
  }

  /**
   * The same commands as a bash script: strict mode (so it stops at the first failing step), the working directory
   * relative paths resolve in, and {@code $SPARK_SUBMIT} (default: the spark-submit this run would call).
   */
  public static String script(Pipeline p, List<PipelineStep> order, Target t, Path workDir) {
    StringBuilder sb = new StringBuilder();
    sb.append("#!/usr/bin/env bash\n");
    sb.append("# Pipeline ").append(oneLine(p.name())).append(" (").append(oneLine(p.file().toString()))
        .append(") as spark-submit batch jobs, written by `lwm pipeline submit --print`.\n");
    sb.append("# The steps in dependency order; the script stops at the first one that fails. Lake: ").append(oneLine(p.lake())).append('\n');
    if (p.schedule() != null) sb.append("# The pipeline's schedule: ").append(oneLine(p.schedule())).append(" (a crontab line can run this script)\n");
    sb.append("set -euo pipefail\n");
    sb.append("cd ").append(quote(workDir.toAbsolutePath().normalize().toString())).append("  # relative paths in the pipeline resolve here\n");
    sb.append("SPARK_SUBMIT=\"${SPARK_SUBMIT:-").append(doubleQuoted(t.sparkSubmit())).append("}\"\n");
    for (int i = 0; i < order.size(); i++) {
      PipelineStep s = order.get(i);
      List<String> cmd = command(p, s, t);
      sb.append('\n').append("echo ").append(quote("lwm: step " + (i + 1) + "/" + order.size() + " " + s.id() + " (" + s.job() + ")")).append(" >&2\n");
      sb.append("\"$SPARK_SUBMIT\"");
      for (String w : cmd.subList(1, cmd.size())) {
        sb.append(w.startsWith("--") || w.equals(t.jar()) ? " \\\n  " : " ").append(quote(w)); // an option a line
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  /** One bash word: as is when it holds only safe characters, else in single quotes ({@code '} as {@code '\''}). */
  public static String quote(String word) {
    if (!word.isEmpty() && PLAIN.matcher(word).matches()) return word;
    return "'" + word.replace("'", "'\\''") + "'";
  }

  /** Text for inside bash double quotes: {@code \ $ ` "} escaped. */
  private static String doubleQuoted(String s) {
    return s.replace("\\", "\\\\").replace("$", "\\$").replace("`", "\\`").replace("\"", "\\\"");
  }

  private static String oneLine(String s) {
    return s.replace('\n', ' ').replace('\r', ' ');
  }
}
