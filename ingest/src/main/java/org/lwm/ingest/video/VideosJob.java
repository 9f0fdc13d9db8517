package org.lwm.ingest.video;

import static org.apache.spark.sql.functions.col;

import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
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
import org.lwm.ingest.source.HadoopFiles;
import org.lwm.ingest.source.Streams;

/**
 * {@code videos}: video files (local, s3a://, hdfs://) probed with FFmpeg, one row per distinct file content.
 * {@code video_id} is the SHA-256 of the file's bytes, so it stays the same when a file is moved or re-listed;
 * the same bytes at a second location are a duplicate. Files not on the local file system are copied to a
 * task-local temporary file for FFmpeg (which needs to seek) and deleted after the probe.
 * {@code seen = written + unchanged + duplicates + rejected} holds, as for books.
 */
public final class VideosJob implements Step {
  public static final String INPUT = "ingest.videos.input";
  public static final String CAPTIONS = "ingest.videos.captions";
  public static final String JOB = "ingest-videos";
  public static final Set<String> EXTENSIONS = Set.of("mp4", "m4v", "mkv", "webm", "avi", "mov", "mpg", "mpeg", "flv", "wmv", "ts", "3gp", "ogv");

  static final StructType QA = new StructType().add("question", DataTypes.StringType).add("answer", DataTypes.StringType);
  public static final StructType SCHEMA = new StructType()
      .add("video_id", DataTypes.StringType, false)
      .add("uri", DataTypes.StringType, false)
      .add("duration_s", DataTypes.DoubleType, false)
      .add("fps", DataTypes.DoubleType, false)
      .add("width", DataTypes.IntegerType, false)
      .add("height", DataTypes.IntegerType, false)
      .add("codec", DataTypes.StringType, true)
      .add("n_frames", DataTypes.LongType, false)
      .add("size_bytes", DataTypes.LongType, false)
      .add("captions", DataTypes.StringType, true)
      .add("qa", DataTypes.createArrayType(QA), true);

  @Override
  public String name() {
    return "ingest videos";
  }

  @Override
  public String description() {
    return "video files probed with FFmpeg into 'videos', captions/QA from a sidecar";
  }

  @Override
  public List<String> reads() {
    return List.of();
  }

  @Override
  public List<String> writes() {
    return List.of(Tables.VIDEOS, Tables.REJECTS);
  }

  @Override
  public List<ConfigKey> keys() {
    return List.of(
        ConfigKey.of(INPUT, "video files or directory trees (path, file://, s3a://, hdfs://), comma-separated"),
        ConfigKey.of(CAPTIONS, "captions/QA sidecar keyed by file name (JSON lines or CSV)"));
  }

  @Override
  public String sourceVersion(SparkSession spark, Config config) {
    List<String> all = new ArrayList<>(config.getList(INPUT));
    if (config.has(CAPTIONS)) all.add(config.get(CAPTIONS, null));
    return SourceFiles.version(spark, all);
  }

  @Override
  public JobCounts run(SparkSession spark, Lake lake, Config config) {
    List<String> inputs = config.getList(INPUT);
    if (inputs.isEmpty()) throw new UserError("ingest videos: no input: pass --input URI (config " + INPUT + ")");
    return ingest(spark, lake, inputs, config.get(CAPTIONS, null), config);
  }

  /** One probed file: its facts or why not. */
  record Probed(String uri, long size, String videoId, VideoProbe.Result result) implements java.io.Serializable {}

  /** The step with its provenance, on these inputs. */
  public static JobCounts run(SparkSession spark, Lake lake, List<String> inputs, String captionsUri, Config config) {
    return StepExecution.run(new VideosJob(), spark, lake, config.withList(INPUT, inputs).withIfSet(CAPTIONS, captionsUri));
  }

  private static JobCounts ingest(SparkSession spark, Lake lake, List<String> inputs, String captionsUri, Config config) {
    JobCounts counts = new JobCounts(JOB);
    HadoopFiles fs = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
    String captionsAbs = captionsUri == null ? null : HadoopFiles.toUri(captionsUri);
    List<Reject> rejects = new ArrayList<>();
    List<HadoopFiles.InputFile> files = new ArrayList<>();
    for (HadoopFiles.InputFile f : fs.list(inputs, n -> true)) {
      if (captionsAbs != null && new org.apache.hadoop.fs.Path(f.uri()).equals(new org.apache.hadoop.fs.Path(captionsAbs))) continue;
      String ext = f.uri().substring(f.uri().lastIndexOf('.') + 1).toLowerCase();
      if (EXTENSIONS.contains(ext)) files.add(f);
      else rejects.add(Reject.now(JOB, f.uri(), "unsupported-format", "not a video file extension (" + String.join(", ", new java.util.TreeSet<>(EXTENSIONS)) + ")"));
    }
    counts.put("seen", files.size() + rejects.size());

    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<Probed> probed = files.isEmpty() ? List.of()
        : jsc.parallelize(files, Math.max(1, Math.min(files.size(), jsc.defaultParallelism() * 2))).map(f -> probe(fs, f)).collect();

    Map<String, Captions.Entry> captions = captionsUri == null ? Map.of() : Captions.read(spark, fs, captionsAbs);
    Map<String, String> have = new HashMap<>();
    boolean exists = lake.exists(spark, Tables.VIDEOS);
    if (exists) for (Row r : lake.read(spark, Tables.VIDEOS).select("video_id", "uri").collectAsList()) have.put(r.getString(0), r.getString(1));

    // the first location of each content wins: the one the lake holds, else the first by name
    Map<String, Probed> firstById = new LinkedHashMap<>();
    List<Probed> ordered = new ArrayList<>(probed);
    ordered.sort((a, b) -> a.uri().compareTo(b.uri()));
    for (Probed p : ordered) {
      if (!p.result().ok()) continue;
      Probed cur = firstById.get(p.videoId());
      if (cur == null || (p.uri().equals(have.get(p.videoId())) && !cur.uri().equals(have.get(p.videoId())))) firstById.put(p.videoId(), p);
    }
    long written = 0;
    long unchanged = 0;
    long duplicates = 0;
    List<Row> rows = new ArrayList<>();
    Set<String> matchedCaptions = new java.util.HashSet<>();
    for (Probed p : ordered) {
      if (!p.result().ok()) {
        rejects.add(Reject.now(JOB, p.uri(), p.result().reason(), p.result().detail()));
        continue;
      }
      Probed first = firstById.get(p.videoId());
      String kept = have.getOrDefault(p.videoId(), first.uri());
      if (!p.uri().equals(kept)) {
        duplicates++;
        rejects.add(Reject.now(JOB, p.uri(), "duplicate-of:" + p.videoId(), "same bytes as " + kept));
        continue;
      }
      if (have.containsKey(p.videoId())) unchanged++;
      else written++;
      String name = Captions.baseName(p.uri());
      Captions.Entry c = captions.get(name);
      if (c != null) matchedCaptions.add(name);
      List<Row> qa = new ArrayList<>();
      if (c != null) for (Captions.QA q : c.qa) qa.add(RowFactory.create(q.question(), q.answer()));
      VideoProbe.Result r = p.result();
      rows.add(RowFactory.create(p.videoId(), p.uri(), r.durationS(), r.fps(), r.width(), r.height(), r.codec(), r.nFrames(), p.size(),
          c == null ? null : c.caption, c == null ? null : qa));
    }
    for (Map.Entry<String, Captions.Entry> e : captions.entrySet()) {
      if (!matchedCaptions.contains(e.getKey())) rejects.add(Reject.now(JOB, e.getValue().where, "caption-without-video", "no video file named " + e.getKey()));
    }

    Dataset<Row> table = spark.createDataFrame(rows, SCHEMA);
    if (!exists) {
      lake.overwrite(table, Tables.VIDEOS);
    } else if (!rows.isEmpty()) {
      // captions may have been added or corrected since the last run: matched rows take the sidecar's
      DeltaTable.forPath(spark, lake.table(Tables.VIDEOS)).as("t")
          .merge(table.as("s"), "t.video_id = s.video_id")
          .whenMatched("NOT (t.captions <=> s.captions) OR NOT (t.qa <=> s.qa)").updateAll()
          .whenNotMatched().insertAll()
          .execute();
    }
    Rejects.record(spark, lake, rejects);

    Map<String, Long> byReason = new TreeMap<>();
    long rejected = 0;
    long unmatched = 0;
    for (Reject r : rejects) {
      if (r.reason().startsWith("duplicate-of:")) continue;
      if (r.reason().equals("caption-without-video")) {
        unmatched++;
        continue;
      }
      byReason.merge(r.reason(), 1L, Long::sum);
      rejected++;
    }
    counts.put("written", written).put("unchanged", unchanged).put("duplicates", duplicates);
    byReason.forEach((k, v) -> counts.put("rejected." + k, v));
    counts.put("rejected", rejected).put("captions.matched", matchedCaptions.size()).put("captions.unmatched", unmatched);
    return counts;
  }

  /** Runs in a task: hash the bytes and let FFmpeg look at them. */
  static Probed probe(HadoopFiles fs, HadoopFiles.InputFile f) throws IOException {
    Path local = null;
    boolean temporary = false;
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      if (f.uri().startsWith("file:")) {
        local = Path.of(java.net.URI.create(f.uri()));
        try (InputStream in = new DigestInputStream(Files.newInputStream(local), sha)) {
          in.transferTo(OutputStream.nullOutputStream());
        }
      } else {
        String name = Captions.baseName(f.uri());
        local = Files.createTempFile("lwm-video-", name.substring(Math.max(0, name.lastIndexOf('.'))));
        temporary = true;
        try (InputStream in = new DigestInputStream(fs.open(f.uri()), sha); OutputStream out = Files.newOutputStream(local)) {
          in.transferTo(out);
        }
      }
      String id = HexFormat.of().formatHex(sha.digest());
      VideoProbe.Result r = f.length() == 0 ? emptyFile(local) : VideoProbe.probe(local.toString());
      return new Probed(f.uri(), f.length(), id, r);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    } catch (IOException e) {
      return new Probed(f.uri(), f.length(), null, new VideoProbe.Result(0, 0, 0, 0, null, 0, "unreadable", Streams.oneLine(e)));
    } finally {
      if (temporary && local != null) Files.deleteIfExists(local);
    }
  }

  /** A zero-length file is "empty"; FFmpeg still gives its own words for the detail. */
  private static VideoProbe.Result emptyFile(Path local) {
    VideoProbe.Result r = VideoProbe.probe(local.toString());
    return new VideoProbe.Result(0, 0, 0, 0, null, 0, "empty", "0 bytes" + (r.ok() ? "" : "; FFmpeg: " + r.detail()));
  }
}
