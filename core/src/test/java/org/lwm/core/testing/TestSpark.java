package org.lwm.core.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.config.Config;
import org.lwm.core.lake.Lake;
import org.lwm.core.spark.SparkSessions;

/**
 * The one local Spark session of a test JVM: {@code local[2]}, two shuffle partitions, built through the
 * same factory the jobs use. Tests get a fresh lake folder each from {@link #newLake()}.
 */
public final class TestSpark {
  private static SparkSession session;

  private TestSpark() {}

  public static synchronized SparkSession session() {
    if (session == null) {
      session = SparkSessions.create("tests", config());
    }
    return session;
  }

  /** The settings tests run Spark with; a test that starts jobs through the CLI passes these as --set. */
  public static Config config() {
    return Config.of(Map.of(
        "spark.master", "local[2]",
        "spark.sql.shuffle.partitions", "2",
        "spark.default.parallelism", "2",
        "spark.ui.enabled", "false",
        "spark.databricks.delta.snapshotPartitions", "2"));
  }

  /** A new empty lake under the system temp folder. */
  public static Lake newLake() {
    try {
      return Lake.of(Files.createTempDirectory("lwm-lake-").toString());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The repository root (where samples/ lives), set by Surefire; tests fail loudly without it. */
  public static Path repoRoot() {
    String root = System.getProperty("lwm.repo.root");
    if (root == null) throw new IllegalStateException("system property lwm.repo.root is not set (run the tests with Maven)");
    return Path.of(root);
  }
}
