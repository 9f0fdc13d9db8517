package org.lwm.qa.generate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Closeable;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.lwm.core.lake.Lake;

/**
 * The generation journal: every finished request is appended, as one JSON line, to a file of its task under
 * {@code <lake>/_journal/qa_pairs/} and flushed before the next one starts, so a job killed mid-way keeps its
 * answers. The next run folds the journal into {@code qa_pairs} before deciding what to ask; a batch's files are
 * deleted once the batch is MERGEd. On a local or HDFS lake a flushed line survives a kill; on S3 a file appears
 * only when its task closes it, so there a kill loses the answers of the tasks in flight (they are asked again).
 */
public final class Journal implements Serializable {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final StructType SCHEMA = new StructType()
      .add("book_id", DataTypes.StringType)
      .add("chunk_index", DataTypes.IntegerType)
      .add("generator", DataTypes.StringType)
      .add("prompt_hash", DataTypes.StringType)
      .add("model", DataTypes.StringType)
      .add("question", DataTypes.StringType)
      .add("answer", DataTypes.StringType)
      .add("status", DataTypes.StringType)
      .add("error", DataTypes.StringType)
      .add("attempts", DataTypes.IntegerType)
      .add("generated_at_ms", DataTypes.LongType);

  private final String dir;
  private transient Configuration conf;

  public Journal(Lake lake, Configuration conf) {
    this.dir = lake.root() + "/_journal/qa_pairs";
    this.conf = conf;
  }

  public String dir() {
    return dir;
  }

  /** A new journal file for one task; lines appended to it are flushed to the file system one by one. */
  public Writer open(String name) throws IOException {
    Path path = new Path(dir, name + ".jsonl");
    FileSystem fs = FileSystem.get(URI.create(dir), conf);
    // the local file system's checksum layer buffers partial chunks: write through the raw one so a flush reaches the file
    if (fs instanceof LocalFileSystem local) fs = local.getRawFileSystem();
    return new Writer(fs.create(path, true));
  }

  /** Appends one result per line. Thread-safe. */
  public static final class Writer implements Closeable {
    private final org.apache.hadoop.fs.FSDataOutputStream out;
    // S3A refuses or downgrades hflush (its files appear at close); plain flush is all such a stream can do
    private final boolean syncable;

    Writer(org.apache.hadoop.fs.FSDataOutputStream out) {
      this.out = out;
      this.syncable = out.hasCapability(org.apache.hadoop.fs.StreamCapabilities.HFLUSH);
    }

    public synchronized void append(String bookId, int chunkIndex, String generator, String promptHash, String model, QaResult r, long atMs)
        throws IOException {
      ObjectNode n = JSON.createObjectNode();
      n.put("book_id", bookId).put("chunk_index", chunkIndex).put("generator", generator).put("prompt_hash", promptHash).put("model", model)
          .put("question", r.question()).put("answer", r.answer()).put("status", r.status()).put("error", r.error())
          .put("attempts", r.attempts()).put("generated_at_ms", atMs);
      out.write((n.toString() + "\n").getBytes(StandardCharsets.UTF_8));
      if (syncable) out.hflush();
      else out.flush();
    }

    @Override
    public synchronized void close() throws IOException {
      out.close();
    }
  }

  /** The journal's files, or none. */
  public List<Path> files() {
    List<Path> out = new ArrayList<>();
    try {
      FileSystem fs = FileSystem.get(URI.create(dir), conf);
      Path p = new Path(dir);
      if (!fs.exists(p)) return out;
      for (FileStatus st : fs.listStatus(p)) if (st.isFile() && st.getPath().getName().endsWith(".jsonl")) out.add(st.getPath());
    } catch (IOException e) {
      throw new org.lwm.core.cli.UserError("generation journal " + dir + " is not readable: " + e.getMessage());
    }
    return out;
  }

  /**
   * The journal's results as {@code qa_pairs} rows (a line cut short by a kill is dropped), the latest per key
   * with an ok result preferred.
   */
  public Dataset<Row> read(SparkSession spark, List<Path> files) {
    String[] paths = files.stream().map(Path::toString).toArray(String[]::new);
    Dataset<Row> lines = spark.read().schema(SCHEMA).option("mode", "DROPMALFORMED").json(paths)
        .filter("book_id IS NOT NULL AND chunk_index IS NOT NULL AND status IS NOT NULL AND generated_at_ms IS NOT NULL");
    Dataset<Row> ranked = lines.withColumn("rank", functions.row_number().over(org.apache.spark.sql.expressions.Window
        .partitionBy("book_id", "chunk_index", "generator", "prompt_hash")
        .orderBy(functions.expr("status = 'ok'").desc(), functions.col("generated_at_ms").desc())));
    return ranked.filter("rank = 1").select(functions.col("book_id"), functions.col("chunk_index"), functions.col("generator"),
        functions.col("prompt_hash"), functions.col("model"), functions.col("question"), functions.col("answer"), functions.col("status"),
        functions.col("error"), functions.col("attempts"), functions.expr("timestamp_millis(generated_at_ms)").as("generated_at"));
  }

  public void delete(List<Path> files) {
    try {
      FileSystem fs = FileSystem.get(URI.create(dir), conf);
      for (Path p : files) fs.delete(p, false);
    } catch (IOException e) {
      throw new org.lwm.core.cli.UserError("cannot clean the generation journal " + dir + ": " + e.getMessage());
    }
  }

  private void writeObject(ObjectOutputStream out) throws IOException {
    out.defaultWriteObject();
    conf.write(out);
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    conf = new Configuration(false);
    conf.readFields(in);
  }
}
