package org.lwm.orchestration.pipeline;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.lwm.core.cli.UserError;
import org.lwm.core.step.ConfigKey;
import org.lwm.core.step.Step;

/**
 * Checks a pipeline before anything runs, so a typo fails in a second, not after an hour of Spark: every problem is
 * a one-line {@link UserError} naming the step. Rules (docs/PIPELINES.md): ids unique; every job known; every
 * config key taken by the step's job (or global); no {@code after} naming no step, no cycle; every table a step
 * requires ({@link Step#requires}) is written by a step it runs after (transitively) or already in the lake; and a
 * table another step writes is read (required or not) only after that step.
 */
public final class PipelineValidator {
  /** Keys every step accepts: Spark and S3A settings and the lake (SparkSessions, CommonOptions read them). */
  static final List<String> GLOBAL = List.of("spark.*", "s3.*", "lake");
  /** Keys of the orchestration itself ({@code lwm airflow render}), never passed to a job. */
  public static final String AIRFLOW_PREFIX = "airflow.";

  private PipelineValidator() {}

  public static void validate(Pipeline p, Map<String, Step> catalog, Predicate<String> lakeHasTable) {
    Set<String> ids = new HashSet<>();
    for (PipelineStep s : p.steps()) {
      if (!ids.add(s.id())) throw new UserError(p.file() + ": two steps have the id '" + s.id() + "'");
    }
    for (PipelineStep s : p.steps()) {
      Step job = catalog.get(s.job());
      if (job == null) {
        throw new UserError("step '" + s.id() + "': unknown job '" + s.job() + "' (jobs: " + (catalog.isEmpty() ? "none on the classpath" : String.join(", ", new TreeSet<>(catalog.keySet()))) + ")");
      }
      for (String k : s.config().keySet()) {
        if (!global(k) && !takes(job, k)) {
          throw new UserError("step '" + s.id() + "': job '" + s.job() + "' takes no config key '" + k + "' (its keys: " + keyList(job) + "; global: spark.*, s3.*, lake)");
        }
      }
    }
    for (String k : p.config().keySet()) {
      if (global(k)) continue;
      boolean taken = p.steps().stream().anyMatch(s -> takes(catalog.get(s.job()), k));
      if (!taken) throw new UserError(p.file() + ": config key '" + k + "' is taken by no step's job (global: spark.*, s3.*, lake, airflow.*)");
    }
    List<PipelineStep> order = p.ordered(); // after naming no step, cycles
    Map<String, Set<String>> ancestors = ancestors(p, order);
    Map<String, List<String>> writers = new LinkedHashMap<>();
    for (PipelineStep s : order) for (String t : catalog.get(s.job()).writes()) writers.computeIfAbsent(t, x -> new ArrayList<>()).add(s.id());
    for (PipelineStep s : order) {
      Step job = catalog.get(s.job());
      for (String t : job.reads()) {
        if (job.writes().contains(t)) continue; // a step that extends its own table (e.g. resumable generation)
        List<String> w = writers.getOrDefault(t, List.of());
        List<String> before = w.stream().filter(ancestors.get(s.id())::contains).toList();
        List<String> unordered = w.stream().filter(x -> !ancestors.get(s.id()).contains(x) && !x.equals(s.id())).toList();
        if (!unordered.isEmpty()) {
          throw new UserError("step '" + s.id() + "' reads table " + t + ", which step '" + unordered.get(0) + "' writes, but does not run after it: add '"
              + unordered.get(0) + "' to its after");
        }
        if (before.isEmpty() && job.requires().contains(t) && !lakeHasTable.test(t)) {
          throw new UserError("step '" + s.id() + "' (" + s.job() + ") reads table " + t + ", which no step before it writes and the lake "
              + p.lake() + " does not have: add the step that writes it, or point the pipeline at a lake that has it");
        }
      }
    }
  }

  /** Tables some step requires that no step of the pipeline writes: they must be in the lake when it runs. */
  public static List<String> externalInputs(Pipeline p, Map<String, Step> catalog) {
    Set<String> written = new HashSet<>();
    for (PipelineStep s : p.steps()) written.addAll(catalog.get(s.job()).writes());
    Set<String> out = new LinkedHashSet<>();
    for (PipelineStep s : p.ordered()) for (String t : catalog.get(s.job()).requires()) if (!written.contains(t)) out.add(t);
    return new ArrayList<>(out);
  }

  static boolean global(String key) {
    return key.startsWith(AIRFLOW_PREFIX) || GLOBAL.stream().anyMatch(g -> ConfigKey.of(g, "").matches(key));
  }

  private static boolean takes(Step job, String key) {
    return job != null && job.keys().stream().anyMatch(k -> k.matches(key));
  }

  private static String keyList(Step job) {
    List<String> names = job.keys().stream().map(ConfigKey::key).toList();
    return names.isEmpty() ? "none" : String.join(", ", names);
  }

  /** Each step's ancestors: every step it runs after, directly or through others. */
  private static Map<String, Set<String>> ancestors(Pipeline p, List<PipelineStep> order) {
    Map<String, Set<String>> out = new LinkedHashMap<>();
    for (PipelineStep s : order) {
      Set<String> a = new HashSet<>();
      for (String dep : s.after()) {
        a.add(dep);
        a.addAll(out.get(dep));
      }
      out.put(s.id(), a);
    }
    return out;
  }
}
