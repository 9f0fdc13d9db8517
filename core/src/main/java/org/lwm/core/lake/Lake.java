package org.lwm.core.lake;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.cli.UserError;

/**
 * The lake: one root URI ({@code file:}, {@code s3a:}, {@code hdfs:}) under which every table is a
 * Delta table at {@code <root>/<name>}. A bare path is made absolute and turned into a file URI.
 */
public final class Lake {
  private final String root;
  /**
   * Properties by table and commit (version, size and time of its log file): a commit never changes, so a step that
   * reads a table's properties more than once (the step execution's tokenizer check, then the job) runs one query.
   */
  private final Map<String, Map<String, String>> propertiesByCommit = new java.util.concurrent.ConcurrentHashMap<>();

  private Lake(String root) {
    this.root = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
  }

  public static Lake of(String rootOrPath) {
    if (rootOrPath == null || rootOrPath.isBlank()) {
      throw new UserError("the lake root is empty: pass --lake PATH|URI");
    }
    if (rootOrPath.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
      try {
        URI uri = new URI(rootOrPath);
        String scheme = uri.getScheme();
        if (!scheme.equals("file") && !scheme.equals("s3a") && !scheme.equals("hdfs") && !scheme.equals("abfs")
            && !scheme.equals("gs") && !scheme.equals("abfss")) {
          throw new UserError("lake root " + rootOrPath + " has unsupported scheme '" + scheme + "': use a path, file://, s3a:// or hdfs://");
        }
        return new Lake(uri.toString());
      } catch (URISyntaxException e) {
        throw new UserError("lake root '" + rootOrPath + "' is not a valid URI: " + e.getReason());
      }
    }
    return new Lake(Path.of(rootOrPath).toAbsolutePath().normalize().toUri().toString());
  }

  public String root() {
    return root;
  }

  /** Location of a table: {@code <root>/<name>}. */
  public String table(String name) {
    return root + "/" + name;
  }

  public boolean isLocal() {
    return root.startsWith("file:");
  }

  /** Fails with one line when the root exists but is not a readable directory. */
  public void checkReadable(SparkSession spark) {
    try {
      FileSystem fs = fileSystem(spark);
      org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(root);
      if (fs.exists(p) && !fs.getFileStatus(p).isDirectory()) {
        throw new UserError("lake root " + root + " is a file, not a directory");
      }
      if (fs.exists(p)) fs.listStatus(p);
    } catch (IOException e) {
      throw new UserError("lake root " + root + " is not readable: " + oneLine(e));
    }
  }

  /** True when {@code name} is a Delta table in this lake. */
  public boolean exists(SparkSession spark, String name) {
    try {
      FileSystem fs = fileSystem(spark);
      return fs.exists(new org.apache.hadoop.fs.Path(table(name) + "/_delta_log"));
    } catch (IOException e) {
      throw new UserError("lake root " + root + " is not readable: " + oneLine(e));
    }
  }

  /**
   * The table's latest Delta version, from its log's file names (no Spark job): the highest {@code N.json} under
   * {@code _delta_log}. -1 when the table does not exist.
   */
  public long version(SparkSession spark, String name) {
    FileStatus last = lastCommit(spark, name);
    return last == null ? -1 : Long.parseLong(last.getPath().getName().substring(0, 20));
  }

  /** The log file of the table's latest commit, or null when the table does not exist. */
  private FileStatus lastCommit(SparkSession spark, String name) {
    try {
      FileSystem fs = fileSystem(spark);
      org.apache.hadoop.fs.Path log = new org.apache.hadoop.fs.Path(table(name) + "/_delta_log");
      if (!fs.exists(log)) return null;
      long max = -1;
      FileStatus last = null;
      for (FileStatus st : fs.listStatus(log)) {
        String n = st.getPath().getName();
        if (n.length() == 25 && n.endsWith(".json") && n.chars().limit(20).allMatch(Character::isDigit)) {
          long v = Long.parseLong(n.substring(0, 20));
          if (v > max) {
            max = v;
            last = st;
          }
        }
      }
      return last;
    } catch (IOException e) {
      throw new UserError("lake root " + root + " is not readable: " + oneLine(e));
    }
  }

  /** Names of the Delta tables under the root, sorted. */
  public List<String> tableNames(SparkSession spark) {
    List<String> names = new ArrayList<>();
    try {
      FileSystem fs = fileSystem(spark);
      org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(root);
      if (!fs.exists(p)) {
        throw new UserError("lake root " + root + " does not exist: run a job (e.g. ./lwm demo) or pass --lake");
      }
      for (FileStatus st : fs.listStatus(p)) {
        if (st.isDirectory() && fs.exists(new org.apache.hadoop.fs.Path(st.getPath(), "_delta_log"))) {
          names.add(st.getPath().getName());
        }
      }
    } catch (IOException e) {
      throw new UserError("lake root " + root + " is not readable: " + oneLine(e));
    }
    names.sort(String::compareTo);
    return names;
  }

  public Dataset<Row> read(SparkSession spark, String name) {
    if (!exists(spark, name)) {
      throw new UserError("table '" + name + "' does not exist in lake " + root + " (tables: " + String.join(", ", tableNames(spark)) + ")");
    }
    return spark.read().format("delta").load(table(name));
  }

  /** Overwrites a table in one Delta commit (schema replaced too). */
  public void overwrite(Dataset<Row> rows, String name) {
    rows.write().format("delta").mode("overwrite").option("overwriteSchema", "true").save(table(name));
  }

  /** Appends to a table, creating it if needed. */
  public void append(Dataset<Row> rows, String name) {
    rows.write().format("delta").mode("append").save(table(name));
  }

  /** Sets table properties (config hash, tokenizer identity, code version, job counts). */
  public void setProperties(SparkSession spark, String name, Map<String, String> props) {
    if (props.isEmpty()) return;
    StringBuilder sb = new StringBuilder();
    props.forEach((k, v) -> {
      if (sb.length() > 0) sb.append(", ");
      sb.append('\'').append(k.replace("'", "")).append("' = '").append(v.replace("\\", "\\\\").replace("'", "\\'")).append('\'');
    });
    spark.sql("ALTER TABLE delta.`" + table(name) + "` SET TBLPROPERTIES (" + sb + ")");
  }

  /** The table's properties as Delta stores them. */
  public Map<String, String> properties(SparkSession spark, String name) {
    FileStatus last = lastCommit(spark, name);
    if (last == null) return query(spark, name); // Delta's own error for a missing table
    String commit = table(name) + "@" + last.getPath().getName() + ":" + last.getLen() + ":" + last.getModificationTime();
    return new java.util.TreeMap<>(propertiesByCommit.computeIfAbsent(commit, c -> query(spark, name)));
  }

  private Map<String, String> query(SparkSession spark, String name) {
    Map<String, String> out = new java.util.TreeMap<>();
    for (Row r : spark.sql("SHOW TBLPROPERTIES delta.`" + table(name) + "`").collectAsList()) {
      out.put(r.getString(0), r.getString(1));
    }
    return out;
  }

  public FileSystem fileSystem(SparkSession spark) throws IOException {
    return FileSystem.get(URI.create(root), spark.sparkContext().hadoopConfiguration());
  }

  static String oneLine(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  @Override
  public String toString() {
    return root;
  }
}
