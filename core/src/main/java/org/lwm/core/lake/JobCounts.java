package org.lwm.core.lake;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a job did, counted: seen / written / rejected / duplicates, tokens, seconds. Every job ends by
 * printing these and storing them in its output table's properties ({@code lwm.<job>.<name>}).
 */
public final class JobCounts {
  private final String job;
  private final Map<String, Object> counts = new LinkedHashMap<>();
  private final long startNanos = System.nanoTime();

  public JobCounts(String job) {
    this.job = job;
  }

  public JobCounts put(String name, long value) {
    counts.put(name, value);
    return this;
  }

  public JobCounts put(String name, String value) {
    counts.put(name, value);
    return this;
  }

  public JobCounts add(String name, long delta) {
    counts.merge(name, delta, (a, b) -> (Long) a + (Long) b);
    return this;
  }

  public long get(String name) {
    Object v = counts.get(name);
    return v instanceof Long l ? l : 0L;
  }

  public double seconds() {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  public String job() {
    return job;
  }

  /** The counts in the order they were put (seconds not included). */
  public Map<String, Object> values() {
    return java.util.Collections.unmodifiableMap(counts);
  }

  /** Properties for the output table, with the elapsed time. */
  public Map<String, String> asProperties() {
    Map<String, String> props = new LinkedHashMap<>();
    counts.forEach((k, v) -> props.put("lwm." + job + "." + k, String.valueOf(v)));
    props.put("lwm." + job + ".seconds", String.format("%.1f", seconds()));
    return props;
  }

  /** Prints an aligned two-column summary. */
  public void print(PrintStream out) {
    int width = 8;
    for (String k : counts.keySet()) width = Math.max(width, k.length());
    out.println(job + ":");
    for (Map.Entry<String, Object> e : counts.entrySet()) {
      out.printf("  %-" + width + "s  %s%n", e.getKey(), e.getValue());
    }
    out.printf("  %-" + width + "s  %.1f%n", "seconds", seconds());
  }
}
