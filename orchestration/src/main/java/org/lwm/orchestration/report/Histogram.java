package org.lwm.orchestration.report;

/** Counts in equal-width bins over [lo, hi]: bin i covers [lo + i·width, lo + (i+1)·width). */
public record Histogram(double lo, double hi, long[] counts) {
  public double width() {
    return counts.length == 0 ? 0 : (hi - lo) / counts.length;
  }

  public long total() {
    long t = 0;
    for (long c : counts) t += c;
    return t;
  }
}
