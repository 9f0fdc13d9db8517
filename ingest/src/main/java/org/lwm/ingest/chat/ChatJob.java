package org.lwm.ingest.chat;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;

import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Reject;
import org.lwm.core.lake.Rejects;
import org.lwm.core.lake.Tables;
import org.lwm.core.step.ConfigKey;
import org.lwm.core.step.SourceFiles;
import org.lwm.core.step.Step;
import org.lwm.core.step.StepExecution;
import org.lwm.ingest.BookText;
import org.lwm.ingest.source.HadoopFiles;
import org.lwm.ingest.source.RecordStream;
import org.lwm.ingest.source.SourceRecord;
import org.lwm.ingest.source.Streams;

/**
 * {@code chat}: general chat data (UltraChat, ShareGPT, role/content messages; JSON lines, optionally .gz/.zst,
 * or Parquet) into the lake, one row per distinct conversation (see {@link Conversations}). Same accounting as
 * books: {@code seen = written + unchanged + duplicates + rejected}; MERGE by example_id.
 */
public final class ChatJob implements Step {
  public static final String JOB = "ingest-chat";
  public static final String INPUT = "ingest.chat.input";
  public static final String FORMAT = "ingest.chat.format";
  public static final Set<String> FORMATS = Set.of("ultrachat", "sharegpt", "messages", "auto");

  static final StructType TURN = new StructType().add("role", DataTypes.StringType, false).add("content", DataTypes.StringType, false);
  static final StructType READ = new StructType()
      .add("source", DataTypes.StringType, false)
      .add("example_id", DataTypes.StringType, true)
      .add("id", DataTypes.StringType, true)
      .add("format", DataTypes.StringType, true)
      .add("turns", DataTypes.createArrayType(TURN), true)
      .add("reason", DataTypes.StringType, true)
      .add("detail", DataTypes.StringType, true);

  @Override
  public String name() {
    return "ingest chat";
  }

  @Override
  public String description() {
    return "chat data (UltraChat, ShareGPT, role/content; jsonl or Parquet) into 'chat'";
  }

  @Override
  public List<String> reads() {
    return List.of();
  }

  @Override
  public List<String> writes() {
    return List.of(Tables.CHAT, Tables.REJECTS);
  }

  @Override
  public List<ConfigKey> keys() {
    return List.of(
        ConfigKey.of(INPUT, "chat files or directory trees (path, file://, s3a://, hdfs://), comma-separated"),
        ConfigKey.of(FORMAT, "auto", "ultrachat, sharegpt, messages or auto (by the fields of each line)"),
        ConfigKey.of("ingest.max_book_bytes", String.valueOf(64L << 20), "longer JSON lines are rejected as too-large"));
  }

  @Override
  public String sourceVersion(SparkSession spark, Config config) {
    return SourceFiles.version(spark, config.getList(INPUT));
  }

  @Override
  public JobCounts run(SparkSession spark, Lake lake, Config config) {
    List<String> inputs = config.getList(INPUT);
    if (inputs.isEmpty()) throw new UserError("ingest chat: no input: pass --input URI (config " + INPUT + ")");
    return ingest(spark, lake, inputs, config.get(FORMAT, "auto"), config);
  }

  /** The step with its provenance, on these inputs. */
  public static JobCounts run(SparkSession spark, Lake lake, List<String> inputs, String format, Config config) {
    return StepExecution.run(new ChatJob(), spark, lake, config.withList(INPUT, inputs).with(FORMAT, format));
  }

  private static JobCounts ingest(SparkSession spark, Lake lake, List<String> inputs, String format, Config config) {
    if (!FORMATS.contains(format)) throw new UserError("chat format '" + format + "' is not one of " + new java.util.TreeSet<>(FORMATS));
    long maxBytes = config.getLong("ingest.max_book_bytes", 64L << 20);
    JobCounts counts = new JobCounts(JOB);
    HadoopFiles fs = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
    List<HadoopFiles.InputFile> files = fs.list(inputs, n -> true);
    List<HadoopFiles.InputFile> parquet = files.stream().filter(f -> f.uri().endsWith(".parquet")).toList();
    List<HadoopFiles.InputFile> lines = files.stream().filter(f -> !f.uri().endsWith(".parquet")).toList();

    Dataset<Row> read = spark.createDataFrame(List.of(), READ);
    if (!lines.isEmpty()) {
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      JavaRDD<Row> rows = jsc.parallelize(lines, Math.max(1, Math.min(lines.size(), jsc.defaultParallelism() * 4)))
          .flatMap(f -> map(jsonLines(fs, f, maxBytes), r -> toRow(r, format)));
      read = read.unionByName(spark.createDataFrame(rows, READ));
    }
    if (!parquet.isEmpty()) {
      Dataset<Row> df = spark.read().parquet(parquet.stream().map(HadoopFiles.InputFile::uri).toArray(String[]::new));
      // each row as JSON, so Parquet goes through the same parser as JSON lines
      Dataset<Row> asJson = df.select(concat(col("_metadata.file_path"), lit("#row"), col("_metadata.row_index").cast("string")).as("source"),
          org.apache.spark.sql.functions.to_json(org.apache.spark.sql.functions.struct(
              java.util.Arrays.stream(df.columns()).map(org.apache.spark.sql.functions::col).toArray(org.apache.spark.sql.Column[]::new))).as("json"));
      JavaRDD<Row> rows = asJson.javaRDD().map(r -> toRow(SourceRecord.text(r.getString(0), null, r.getString(1)), format));
      read = read.unionByName(spark.createDataFrame(rows, READ));
    }
    read = read.persist(StorageLevel.MEMORY_AND_DISK());
    long seen = read.count();
    counts.put("files", files.size()).put("seen", seen);

    Dataset<Row> good = read.where(col("reason").isNull());
    boolean exists = lake.exists(spark, Tables.CHAT);
    Dataset<Row> have = exists
        ? lake.read(spark, Tables.CHAT).select(col("example_id").as("have_id"), col("source").as("have_source"))
        : spark.createDataFrame(List.of(), new StructType().add("have_id", DataTypes.StringType).add("have_source", DataTypes.StringType));
    Dataset<Row> ranked = good.join(have, good.col("example_id").equalTo(have.col("have_id")), "left")
        .withColumn("same", when(col("have_source").equalTo(col("source")), 0).otherwise(1))
        .withColumn("rank", row_number().over(Window.partitionBy("example_id").orderBy("same", "source")))
        .persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> first = ranked.where(col("rank").equalTo(1));
    Dataset<Row> fresh = first.where(col("have_id").isNull()).select("example_id", "turns", "source", "format", "id");
    long unchanged = first.where(col("same").equalTo(0)).count();
    Dataset<Row> dups = ranked.where(col("rank").gt(1).or(col("have_id").isNotNull().and(col("same").equalTo(1))));

    long written = fresh.count();
    if (!exists) {
      lake.overwrite(fresh, Tables.CHAT);
    } else if (written > 0) {
      DeltaTable.forPath(spark, lake.table(Tables.CHAT)).as("t").merge(fresh.as("s"), "t.example_id = s.example_id")
          .whenNotMatched().insertAll().execute();
    }
    List<Reject> rejects = new ArrayList<>();
    for (Row r : read.where(col("reason").isNotNull()).select("source", "reason", "detail").collectAsList()) {
      rejects.add(Reject.now(JOB, r.getString(0), r.getString(1), r.getString(2)));
    }
    long duplicates = 0;
    for (Row r : dups.select("source", "example_id").collectAsList()) {
      rejects.add(Reject.now(JOB, r.getString(0), "duplicate-of:" + r.getString(1), "same turns as the example kept in the lake"));
      duplicates++;
    }
    Rejects.record(spark, lake, rejects);
    Map<String, Long> byReason = new TreeMap<>();
    for (Reject r : rejects) if (!r.reason().startsWith("duplicate-of:")) byReason.merge(r.reason(), 1L, Long::sum);
    long rejected = byReason.values().stream().mapToLong(Long::longValue).sum();
    counts.put("written", written).put("unchanged", unchanged).put("duplicates", duplicates);
    byReason.forEach((k, v) -> counts.put("rejected." + k, v));
    counts.put("rejected", rejected);
    ranked.unpersist();
    read.unpersist();
    return counts;
  }

  /** The lines of one JSON-lines file as text records (or rejects), streamed. */
  static Iterator<SourceRecord> jsonLines(HadoopFiles fs, HadoopFiles.InputFile f, long maxBytes) throws IOException {
    String n = f.uri().toLowerCase();
    if (!(n.endsWith(".jsonl") || n.endsWith(".jsonl.gz") || n.endsWith(".jsonl.zst") || n.endsWith(".json"))) {
      return List.of(SourceRecord.reject(f.uri(), "unsupported-format", "not .jsonl(.gz|.zst) or .parquet")).iterator();
    }
    InputStream in = Streams.decompressed(f.uri(), fs.open(f.uri()));
    Streams.BoundedLines lines = new Streams.BoundedLines(in, maxBytes);
    return new RecordStream(f.uri(), in) {
      @Override
      protected SourceRecord read() throws IOException {
        byte[] line;
        while ((line = lines.next()) != null) {
          String source = uri + "#L" + lines.lineNumber();
          if (line == Streams.BoundedLines.TOO_LONG) return SourceRecord.reject(source, "too-large", "line longer than ingest.max_book_bytes = " + maxBytes);
          BookText.Decoded d = BookText.strictUtf8(line);
          if (!d.ok()) return SourceRecord.reject(source, d.rejectReason(), d.rejectDetail());
          if (d.text().isBlank()) continue;
          return SourceRecord.text(source, null, d.text());
        }
        return null;
      }
    };
  }

  static Row toRow(SourceRecord r, String format) {
    if (r.rejected()) return RowFactory.create(r.source(), null, null, null, null, r.reason(), r.detail());
    Conversations.Parsed p = Conversations.parse(r.text(), format);
    if (!p.ok()) return RowFactory.create(r.source(), null, null, null, null, p.reason(), p.detail());
    List<Row> turns = new ArrayList<>(p.turns().size());
    for (Conversations.Turn t : p.turns()) turns.add(RowFactory.create(t.role(), t.content()));
    // Spark's Row encoder wants a Scala Seq for arrays
    return RowFactory.create(r.source(), Conversations.exampleId(p.turns()), p.id(), p.format(),
        scala.collection.JavaConverters.asScalaBuffer(turns).toSeq(), null, null);
  }

  private interface Fn<A, B> extends java.io.Serializable {
    B apply(A a);
  }

  private static <A, B> Iterator<B> map(Iterator<A> it, Fn<A, B> f) {
    return new Iterator<B>() {
      @Override
      public boolean hasNext() {
        return it.hasNext();
      }

      @Override
      public B next() {
        return f.apply(it.next());
      }
    };
  }
}
