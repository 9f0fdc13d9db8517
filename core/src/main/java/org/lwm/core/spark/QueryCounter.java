package org.lwm.core.spark;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionEnd;
import org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart;

/**
 * Counts what a job asks of Spark: SQL executions (each one planned, optimised and code-generated: the fixed cost
 * per query) and Spark jobs (scheduled stages, including those of RDD actions). For benchmarks: attach once, then
 * {@link #snapshot} before and after the job.
 */
public final class QueryCounter extends SparkListener {
  private final AtomicLong queries = new AtomicLong();
  private final AtomicLong jobs = new AtomicLong();
  private final SparkSession spark;
  private final java.util.Map<Long, SparkListenerSQLExecutionStart> started = new java.util.concurrent.ConcurrentHashMap<>();
  private volatile java.io.PrintStream log;

  private QueryCounter(SparkSession spark) {
    this.spark = spark;
  }

  public static QueryCounter attach(SparkSession spark) {
    QueryCounter c = new QueryCounter(spark);
    spark.sparkContext().addSparkListener(c);
    return c;
  }

  /** Counts so far: {queries, jobs}, after the listener bus has delivered every event posted until now. */
  public long[] snapshot() {
    try {
      spark.sparkContext().listenerBus().waitUntilEmpty(60_000);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("Spark's listener bus did not drain in 60 s", e);
    }
    return new long[] {queries.get(), jobs.get()};
  }

  @Override
  public void onJobStart(SparkListenerJobStart jobStart) {
    jobs.incrementAndGet();
  }

  @Override
  public void onOtherEvent(SparkListenerEvent event) {
    if (event instanceof SparkListenerSQLExecutionStart start) {
      queries.incrementAndGet();
      if (log != null) started.put(start.executionId(), start);
    } else if (log != null && event instanceof SparkListenerSQLExecutionEnd end) {
      SparkListenerSQLExecutionStart start = started.remove(end.executionId());
      if (start != null) {
        String what = start.description().replaceAll("\\s+", " ");
        log.printf("  query %5d ms  %s%n", end.time() - start.time(), what.length() > 110 ? what.substring(0, 110) + "…" : what);
      }
    }
  }

  /** Prints each query's wall time and description when it ends (null: quiet). */
  public QueryCounter log(java.io.PrintStream out) {
    this.log = out;
    return this;
  }
}
