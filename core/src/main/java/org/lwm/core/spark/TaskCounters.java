package org.lwm.core.spark;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;

/**
 * Named counts that the tasks of one write add to while they produce its rows, so a job learns its totals (tokens
 * written, rows rejected) from the write itself instead of re-reading the table afterwards: one Spark query, not
 * two. Each name is a {@link LongAccumulator}; Spark applies a result task's updates once even when the task is
 * retried, so the totals are exact when the counting happens inside the action that writes (a Delta append or
 * overwrite). Not inside a MERGE's source: MERGE reads its source twice. Read the totals on the driver after the
 * write has returned.
 */
public final class TaskCounters implements Serializable {
  private final Map<String, LongAccumulator> counters;

  private TaskCounters(Map<String, LongAccumulator> counters) {
    this.counters = counters;
  }

  /** Fresh counters, registered on the session's context, all zero. */
  public static TaskCounters create(SparkSession spark, String... names) {
    Map<String, LongAccumulator> m = new LinkedHashMap<>();
    for (String n : names) m.put(n, spark.sparkContext().longAccumulator(n));
    return new TaskCounters(m);
  }

  /** In a task: adds {@code delta} to {@code name}. */
  public void add(String name, long delta) {
    LongAccumulator a = counters.get(name);
    if (a == null) throw new IllegalArgumentException("no counter '" + name + "' (counters: " + counters.keySet() + ")");
    a.add(delta);
  }

  /** On the driver, after the action: the total of {@code name}. */
  public long get(String name) {
    LongAccumulator a = counters.get(name);
    if (a == null) throw new IllegalArgumentException("no counter '" + name + "' (counters: " + counters.keySet() + ")");
    return a.value();
  }

  /** Every total by name, in the order given to {@link #create}. */
  public Map<String, Long> totals() {
    Map<String, Long> out = new LinkedHashMap<>();
    counters.forEach((k, v) -> out.put(k, v.value()));
    return Collections.unmodifiableMap(out);
  }
}
