package org.lwm.core.spark;

import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.config.Config;

/**
 * Builds the Spark session every job uses: Delta's extensions, S3A settings, and {@code local[*]} unless
 * a master is configured (config {@code spark.master}, or spark-submit's own). Every config key under
 * {@code spark.} passes through unchanged, so any Spark or Hadoop setting can be given with --set.
 *
 * <p>S3A: {@code s3.endpoint}, {@code s3.path_style} and {@code s3.access_key}/{@code s3.secret_key}
 * come from the config, else the environment ({@code LWM_S3_ENDPOINT}, {@code AWS_ACCESS_KEY_ID},
 * {@code AWS_SECRET_ACCESS_KEY}), else the standard AWS credential chain. Credentials are never logged.
 */
public final class SparkSessions {
  /** Secrets by key: passwords, secrets, access keys, and tokens as a whole word (session.token, AIRFLOW_TOKEN). */
  public static final String REDACTION_REGEX = "(?i)secret|password|access[._]?key|api[._-]?key|credential|(^|[._-])token($|[._-])";

  private SparkSessions() {}

  public static SparkSession create(String appName, Config config) {
    SparkConf conf = new SparkConf(true); // picks up spark-submit's settings
    if (!conf.contains("spark.master")) {
      conf.setMaster(config.get("spark.master", "local[*]"));
    }
    conf.setAppName("lwm " + appName);
    conf.set("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension");
    conf.set("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog");
    boolean local = conf.get("spark.master").startsWith("local");
    if (local) {
      conf.setIfMissing("spark.sql.shuffle.partitions", "8");
      conf.setIfMissing("spark.ui.enabled", "false");
      conf.setIfMissing("spark.driver.host", "127.0.0.1");
      conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
      conf.setIfMissing("spark.hadoop.hadoop.tmp.dir", Path.of(System.getProperty("java.io.tmpdir"), "lwm-hadoop").toString());
      conf.setIfMissing("spark.sql.warehouse.dir", Path.of(System.getProperty("java.io.tmpdir"), "lwm-warehouse").toUri().toString());
    }
    s3a(conf, config);
    for (Map.Entry<String, String> e : config.asMap().entrySet()) {
      if (e.getKey().startsWith("spark.") && !e.getKey().equals("spark.master")) {
        conf.set(e.getKey(), e.getValue());
      }
    }
    // Delta rebuilds a table's state from its log in a shuffle of 50 partitions by default: ~2 s of tasks on a
    // local master for a table of a few files, the largest part of a small job's fixed cost
    if (local) conf.setIfMissing("spark.databricks.delta.snapshotPartitions", conf.get("spark.sql.shuffle.partitions"));
    if (!local || conf.get("spark.master").startsWith("local-cluster")) vectorApiOnExecutors(conf);
    SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
    ConsoleProgress.attach(spark);
    return spark;
  }

  /**
   * Executor JVMs get the Vector API module ({@link org.lwm.core.numeric.Simd}'s fast loops: the trainer's attention
   * tiles run there on a cluster), prepended through {@code spark.executor.defaultJavaOptions} so a user's
   * {@code extraJavaOptions} stay as given.
   */
  static void vectorApiOnExecutors(SparkConf conf) {
    String flag = JvmFlags.VECTOR_MODULE, defaults = conf.get("spark.executor.defaultJavaOptions", "");
    if (defaults.contains(flag) || conf.get("spark.executor.extraJavaOptions", "").contains(flag)) return;
    conf.set("spark.executor.defaultJavaOptions", (defaults + " " + flag).strip());
  }

  /**
   * Hadoop S3A settings from the config or the environment; empty when nothing is set, so the standard
   * AWS credential chain applies.
   */
  public static Map<String, String> s3aSettings(Config config) {
    Map<String, String> h = new java.util.LinkedHashMap<>();
    String endpoint = config.get("s3.endpoint", System.getenv("LWM_S3_ENDPOINT"));
    if (endpoint != null && !endpoint.isBlank()) {
      h.put("fs.s3a.endpoint", endpoint);
      if (endpoint.startsWith("http://")) h.put("fs.s3a.connection.ssl.enabled", "false");
      h.put("fs.s3a.path.style.access", config.get("s3.path_style", "true"));
    } else if (config.has("s3.path_style")) {
      h.put("fs.s3a.path.style.access", config.get("s3.path_style", "false"));
    }
    String access = config.get("s3.access_key", System.getenv("AWS_ACCESS_KEY_ID"));
    String secret = config.get("s3.secret_key", System.getenv("AWS_SECRET_ACCESS_KEY"));
    if (access != null && secret != null) {
      h.put("fs.s3a.access.key", access);
      h.put("fs.s3a.secret.key", secret);
      h.put("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    }
    String region = config.get("s3.region", System.getenv("AWS_REGION"));
    if (region != null) h.put("fs.s3a.endpoint.region", region);
    return h;
  }

  /** Applies the S3A settings to a session that already runs (tests share one session per JVM). */
  public static void applyS3a(SparkSession spark, Config config) {
    org.apache.hadoop.conf.Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    s3aSettings(config).forEach(hadoop::set);
    // S3A caches file systems per bucket; new settings need a new instance
    hadoop.setBoolean("fs.s3a.impl.disable.cache", true);
  }

  private static void s3a(SparkConf conf, Config config) {
    s3aSettings(config).forEach((k, v) -> conf.set("spark.hadoop." + k, v));
    // Spark's UI, event logs and SHOW TBLPROPERTIES show these; keep secrets out of them. Not Spark's default
    // (which has a bare "token"): that would also hide lwm.tokenizer, the tokenizer identity every table records.
    conf.setIfMissing("spark.redaction.regex", REDACTION_REGEX);
  }
}
