package org.lwm.orchestration.pipeline;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;

/**
 * A pipeline as {@link PipelineFile} read it, variables substituted: its name, schedule ({@code null}: none), lake
 * root, Spark settings, config defaults for every step, params and steps in file order. Maps keep the file's order.
 */
public record Pipeline(Path file, String name, String schedule, String lake, Map<String, String> spark,
    Map<String, String> config, Map<String, String> params, List<PipelineStep> steps) {

  public Pipeline {
    spark = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(spark));
    config = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(config));
    params = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(params));
    steps = List.copyOf(steps);
  }

  /** The step with this id, or a one-line error listing the ids. */
  public PipelineStep step(String id) {
    for (PipelineStep s : steps) if (s.id().equals(id)) return s;
    List<String> ids = steps.stream().map(PipelineStep::id).toList();
    throw new UserError("pipeline " + name + " has no step '" + id + "' (steps: " + String.join(", ", ids) + ")");
  }

  /**
   * The steps in dependency order: a step comes after every step its {@code after} names; among steps that are
   * ready together, file order. Fails with one line naming the cycle, or an {@code after} that names no step.
   */
  public List<PipelineStep> ordered() {
    Map<String, PipelineStep> byId = new LinkedHashMap<>();
    for (PipelineStep s : steps) byId.putIfAbsent(s.id(), s);
    for (PipelineStep s : steps) {
      for (String a : s.after()) {
        if (!byId.containsKey(a)) throw new UserError("step '" + s.id() + "': after names no step '" + a + "' (steps: " + String.join(", ", byId.keySet()) + ")");
      }
    }
    List<PipelineStep> out = new ArrayList<>();
    Set<String> done = new LinkedHashSet<>();
    while (out.size() < byId.size()) {
      PipelineStep next = null;
      for (PipelineStep s : byId.values()) {
        if (!done.contains(s.id()) && done.containsAll(s.after())) {
          next = s;
          break;
        }
      }
      if (next == null) throw new UserError("pipeline " + name + ": steps form a cycle: " + cycle(byId, done));
      out.add(next);
      done.add(next.id());
    }
    return out;
  }

  /** {@code a -> b -> a}: one cycle among the steps not yet placed (each of them waits on another of them). */
  private static String cycle(Map<String, PipelineStep> byId, Set<String> done) {
    // walk from any waiting step along an unfinished 'after' until a step repeats
    Map<String, Integer> seenAt = new HashMap<>();
    List<String> path = new ArrayList<>();
    String cur = byId.keySet().stream().filter(id -> !done.contains(id)).findFirst().orElseThrow();
    while (!seenAt.containsKey(cur)) {
      seenAt.put(cur, path.size());
      path.add(cur);
      String from = cur;
      cur = byId.get(from).after().stream().filter(a -> !done.contains(a)).findFirst().orElseThrow();
    }
    List<String> loop = new ArrayList<>(path.subList(seenAt.get(cur), path.size()));
    java.util.Collections.reverse(loop); // print in run order: a dependency before the step that waits on it
    List<String> fileOrder = new ArrayList<>(byId.keySet());
    String first = loop.stream().min(java.util.Comparator.comparingInt(fileOrder::indexOf)).orElseThrow();
    java.util.Collections.rotate(loop, -loop.indexOf(first)); // start at the step the file lists first
    loop.add(loop.get(0));
    return String.join(" -> ", loop);
  }

  /** This pipeline with {@code more} over its config (e.g. {@code --set} on the command line: later wins). */
  public Pipeline withConfig(Map<String, String> more) {
    Map<String, String> merged = new LinkedHashMap<>(config);
    merged.putAll(more);
    return new Pipeline(file, name, schedule, lake, spark, merged, params, steps);
  }

  /**
   * The config the step's job runs with: the pipeline's Spark settings as {@code spark.*} keys, the {@code lake}
   * key, the pipeline's config, then the step's own config (later wins).
   */
  public Config stepConfig(PipelineStep s) {
    TreeMap<String, String> values = new TreeMap<>();
    spark.forEach((k, v) -> values.put(k.startsWith("spark.") ? k : "spark." + k, v));
    values.put("lake", lake);
    values.putAll(config);
    values.putAll(s.config());
    return Config.of(values);
  }
}
