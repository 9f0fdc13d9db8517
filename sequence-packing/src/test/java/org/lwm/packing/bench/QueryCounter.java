package org.lwm.packing.bench;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart;

/**
 * Counts what a job asks Spark for: SQL executions (each query, write, Delta log read or commit Spark plans) and
 * Spark jobs (each action's stages). Read after {@link #drain}, since the listener bus delivers events late.
 */
final class QueryCounter extends SparkListener {
  private final AtomicLong queries = new AtomicLong();
  private final AtomicLong jobs = new AtomicLong();
  private final SparkSession spark;

  QueryCounter(SparkSession spark) {
    this.spark = spark;
    spark.sparkContext().addSparkListener(this);
  }

  @Override
  public void onJobStart(SparkListenerJobStart jobStart) {
    jobs.incrementAndGet();
  }

  @Override
  public void onOtherEvent(SparkListenerEvent event) {
    if (event instanceof SparkListenerSQLExecutionStart) queries.incrementAndGet();
  }

  /** Waits until every event posted so far has reached this listener. */
  void drain() {
    try {
      spark.sparkContext().listenerBus().waitUntilEmpty();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  long[] snapshot() {
    drain();
    return new long[] {queries.get(), jobs.get()};
  }
}
