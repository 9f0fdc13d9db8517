package org.lwm.core.spark;

import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;

/**
 * A Spark SQL setting changed for one piece of a job and put back afterwards (unset again if it was unset), so a job
 * that tunes its own scan (split size, reader batch) leaves the session as it found it for the next step of a
 * pipeline. Settings a scan reads are taken when its plan is executed (a write, or {@code toRdd}): do that inside.
 */
public final class SessionConf {
  private SessionConf() {}

  public static <T> T with(SparkSession spark, String key, String value, Supplier<T> work) {
    String had = spark.conf().contains(key) ? spark.conf().get(key) : null;
    spark.conf().set(key, value);
    try {
      return work.get();
    } finally {
      if (had == null) spark.conf().unset(key);
      else spark.conf().set(key, had);
    }
  }
}
