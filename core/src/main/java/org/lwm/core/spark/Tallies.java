package org.lwm.core.spark;

import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.util.AccumulatorV2;

/**
 * Named counts a job gathers while it writes, so its totals need no second pass over the table it wrote: sums
 * ({@link #add}) and maxima ({@link #max}) by name, merged over tasks. Spark applies the updates of a task that
 * ends an action (a write) once, even when the task is retried. Register with
 * {@code spark.sparkContext().register(tallies, name)} before the write.
 */
public final class Tallies extends AccumulatorV2<Tallies.Update, Tallies> {
  /** One update from a task: a name and its value, summed or taken as a maximum. */
  public record Update(String name, long value, boolean max) implements java.io.Serializable {}

  private final TreeMap<String, Long> sums = new TreeMap<>();
  private final TreeMap<String, Long> maxima = new TreeMap<>();

  public void add(String name, long value) {
    sums.merge(name, value, Long::sum);
  }

  public void max(String name, long value) {
    maxima.merge(name, value, Math::max);
  }

  /** The sum of {@code name} (0 if never added). */
  public long sum(String name) {
    return sums.getOrDefault(name, 0L);
  }

  /** The maximum of {@code name}, or {@code none} if never set. */
  public long maximum(String name, long none) {
    return maxima.getOrDefault(name, none);
  }

  /** Every summed name and its sum, by name. */
  public Map<String, Long> sums() {
    return java.util.Collections.unmodifiableMap(sums);
  }

  @Override
  public boolean isZero() {
    return sums.isEmpty() && maxima.isEmpty();
  }

  @Override
  public Tallies copy() {
    Tallies t = new Tallies();
    t.sums.putAll(sums);
    t.maxima.putAll(maxima);
    return t;
  }

  @Override
  public void reset() {
    sums.clear();
    maxima.clear();
  }

  @Override
  public void add(Update u) {
    if (u.max()) max(u.name(), u.value());
    else add(u.name(), u.value());
  }

  @Override
  public void merge(AccumulatorV2<Update, Tallies> other) {
    Tallies o = (Tallies) other;
    o.sums.forEach(this::add);
    o.maxima.forEach(this::max);
  }

  @Override
  public Tallies value() {
    return this;
  }

  /** What Spark's status store shows for the accumulator (its value is the accumulator itself). */
  @Override
  public String toString() {
    return "Tallies" + sums + (maxima.isEmpty() ? "" : " max " + maxima);
  }
}
