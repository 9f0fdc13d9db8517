package org.lwm.orchestration.pipeline;

import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.step.Step;
import org.lwm.core.step.StepExecution;
import org.lwm.core.step.Steps;

/**
 * Runs a pipeline's steps in dependency order in one Spark session: validates the definition, prints the plan, then
 * a line per step (running, skipped, done with its key counts, failed with the reason). A step whose outputs record
 * the fingerprint it would have now is skipped, so a re-run after a failure or a kill resumes at the interrupted step.
 * Every step's outcome is a row of {@code pipeline_runs}. Provenance is kept under the job's scope, so a step made up to
 * date by its CLI command, spark-submit or an Airflow task is skipped here too. A step's {@code args} are parsed by its job's own
 * sub-command ({@code argsToConfig}), so an option means the same here as on the command line.
 */
public final class PipelineRunner {
  /** Which steps to run, and how. */
  public record Options(String from, String until, String only, boolean dryRun, boolean force) {
    public static Options all() {
      return new Options(null, null, null, false, false);
    }
  }

  /** A step ready to run: its definition, its job and its whole config. */
  record Planned(PipelineStep step, Step job, Config config) {
    /** Where the step's provenance lives: the job's own scope, as when the CLI, spark-submit or Airflow runs it. */
    String scope() {
      return job.scope(config);
    }
  }

  /** Parses a step's {@code args} with its job's sub-command and returns the config they make over a base. */
  public interface ArgsParser {
    Config apply(String job, List<String> args, Config base);
  }

  private final Pipeline pipeline;
  private final Map<String, String> overrides;
  private final ArgsParser args;
  private final PrintStream out;

  /** {@code overrides}: config keys for every step, over the pipeline's ({@code lwm run --set}). */
  public PipelineRunner(Pipeline pipeline, Map<String, String> overrides, ArgsParser args, PrintStream out) {
    this.pipeline = pipeline;
    this.overrides = overrides == null ? Map.of() : Map.copyOf(overrides);
    this.args = args;
    this.out = out;
  }

  /** Counts of one run: steps done, skipped. Throws UserError (after recording it) when a step fails. */
  public record Outcome(int done, int skipped, List<String> ran) {}

  public Outcome run(SparkSession spark, Lake lake, Options o) {
    PipelineValidator.validate(pipeline, Steps.all(), t -> lake.exists(spark, t));
    List<Planned> plan = select(plan(), o);
    printPlan(lake, plan, o);
    String runId = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT).withZone(ZoneOffset.UTC).format(Instant.now())
        + "-" + Long.toHexString(Double.doubleToLongBits(Math.random())).substring(0, 6);
    PipelineRuns runs = new PipelineRuns(spark, lake, runId, pipeline.name());
    int done = 0;
    int skipped = 0;
    List<String> ran = new ArrayList<>();
    java.util.Set<String> dirty = new java.util.HashSet<>();
    for (int i = 0; i < plan.size(); i++) {
      Planned p = plan.get(i);
      String head = String.format(Locale.ROOT, "[%d/%d] %s (%s)", i + 1, plan.size(), p.step().id(), p.job().name());
      long t0 = System.currentTimeMillis();
      if (o.dryRun()) {
        boolean upstreamRuns = p.step().after().stream().anyMatch(dirty::contains);
        boolean fresh = !o.force() && !upstreamRuns && StepExecution.upToDate(p.job(), spark, lake, p.config(), p.scope());
        if (!fresh) dirty.add(p.step().id());
        out.println(head + ": " + (fresh ? "would skip (up to date)" : upstreamRuns ? "would run (an earlier step runs)" : "would run"));
        continue;
      }
      if (!o.force() && StepExecution.upToDate(p.job(), spark, lake, p.config(), p.scope())) {
        out.println(head + ": skipped (up to date)");
        runs.add(p.step().id(), p.job().name(), "skipped", t0, System.currentTimeMillis(), null, null);
        skipped++;
        continue;
      }
      runs.flush();
      out.println(head + ": running");
      out.flush();
      applySqlSettings(spark, p.config());
      try {
        JobCounts counts = StepExecution.run(p.job(), spark, lake, p.config(), p.scope());
        long t1 = System.currentTimeMillis();
        out.println(head + ": done in " + String.format(Locale.ROOT, "%.1f s", (t1 - t0) / 1e3) + keyCounts(counts));
        runs.add(p.step().id(), p.job().name(), "done", t0, t1, counts.values(), null);
        runs.flush();
        done++;
        ran.add(p.step().id());
      } catch (RuntimeException e) {
        String reason = org.lwm.orchestration.Lwm.describe(e);
        out.println(head + ": failed: " + reason);
        runs.add(p.step().id(), p.job().name(), "failed", t0, System.currentTimeMillis(), null, reason);
        runs.flush();
        throw new UserError("pipeline " + pipeline.name() + " stopped at step '" + p.step().id() + "': " + reason, e);
      }
    }
    runs.flush();
    if (!o.dryRun()) out.printf(Locale.ROOT, "pipeline %s: %d done, %d skipped (run %s; history: lwm lake cat pipeline_runs)%n",
        pipeline.name(), done, skipped, runId);
    return new Outcome(done, skipped, ran);
  }

  /** Every step with its job and config, args parsed: a bad option fails here, before anything runs. */
  List<Planned> plan() {
    List<Planned> plan = new ArrayList<>();
    for (PipelineStep s : pipeline.ordered()) {
      Step job = Steps.get(s.job());
      Config config = pipeline.stepConfig(s).withAll(overrides);
      try {
        config = args.apply(s.job(), s.args() == null ? List.of() : s.args(), config);
      } catch (UserError e) {
        throw new UserError("step '" + s.id() + "' (" + s.job() + "): " + e.getMessage());
      }
      Planned p = new Planned(s, job, config);
      for (Planned q : plan) {
        if (q.scope().equals(p.scope())) {
          throw new UserError("steps '" + q.step().id() + "' and '" + s.id() + "' would record their provenance in one place ("
              + p.scope() + "): merge them into one step (e.g. one --input list) or split them into two pipelines");
        }
      }
      plan.add(p);
    }
    return plan;
  }

  /** --only ID; else from --from ID (inclusive) to --until ID (inclusive), in dependency order. */
  List<Planned> select(List<Planned> plan, Options o) {
    Function<String, Integer> index = id -> {
      for (int i = 0; i < plan.size(); i++) if (plan.get(i).step().id().equals(id)) return i;
      throw new UserError("pipeline " + pipeline.name() + " has no step '" + id + "' (steps: "
          + String.join(", ", plan.stream().map(p -> p.step().id()).toList()) + ")");
    };
    if (o.only() != null) return List.of(plan.get(index.apply(o.only())));
    int from = o.from() == null ? 0 : index.apply(o.from());
    int until = o.until() == null ? plan.size() - 1 : index.apply(o.until());
    if (from > until) throw new UserError("--from " + o.from() + " comes after --until " + o.until() + " in the pipeline's order");
    return plan.subList(from, until + 1);
  }

  private void printPlan(Lake lake, List<Planned> plan, Options o) {
    out.printf("pipeline %s: %d of %d steps on lake %s%s%n", pipeline.name(), plan.size(), pipeline.steps().size(), lake,
        o.force() ? " (--force: every step runs)" : "");
    for (int i = 0; i < plan.size(); i++) {
      PipelineStep s = plan.get(i).step();
      out.printf(Locale.ROOT, "  %2d. %-12s %-22s%s%n", i + 1, s.id(), s.job(),
          s.after() == null || s.after().isEmpty() ? "" : " after " + String.join(", ", s.after()));
    }
  }

  /** Step-level SQL settings can change in a running session; the rest are the session's (the pipeline's spark map). */
  private static void applySqlSettings(SparkSession spark, Config config) {
    config.asMap().forEach((k, v) -> {
      if (k.startsWith("spark.sql.")) spark.conf().set(k, v);
    });
  }

  /** The first few counts, for the step's line. */
  static String keyCounts(JobCounts c) {
    Map<String, Object> shown = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : c.values().entrySet()) {
      if (shown.size() == 5) break;
      shown.put(e.getKey(), e.getValue());
    }
    if (shown.isEmpty()) return "";
    StringBuilder sb = new StringBuilder(":");
    shown.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
    return sb.toString();
  }
}
