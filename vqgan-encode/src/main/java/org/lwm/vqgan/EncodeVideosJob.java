package org.lwm.vqgan;

import static org.apache.spark.sql.functions.col;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.SerializableConfiguration;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Rejects;
import org.lwm.core.lake.Tables;
import org.lwm.core.step.ConfigKey;
import org.lwm.core.step.SourceFiles;
import org.lwm.core.step.Step;
import org.lwm.core.step.StepExecution;
import org.lwm.vqgan.frames.Sampling;
import org.lwm.vqgan.frames.VideoFrames;
import org.lwm.vqgan.model.Vqgan;

/**
 * {@code vision_tokens}: the sampled frames of every video in {@code videos}, each encoded to its grid of
 * VQGAN codes (one row per frame: video_id, frame_index = the frame's place among the sampled ones,
 * timestamp_s, codes). One task per video; the model is loaded once per executor JVM ({@link VqganModels})
 * and frames are encoded in batches. Idempotent per video: a video that already has rows is not encoded again,
 * and the table records the checkpoint and the sampling it was made with; another checkpoint or sampling is
 * refused unless {@code overwrite}. Videos that FFmpeg cannot decode go to {@code rejects} with its reason.
 * {@code vqgan.engine}: {@code java} (the default) encodes inside each task as above; {@code dl4j} runs DL4J's keyed
 * inference over the decoded frames instead ({@link Dl4jEncodeVideos}), with the same rows and rejects.
 */
public final class EncodeVideosJob implements Step {
  public static final String JOB = "vqgan-encode-videos";
  public static final String CHECKPOINT = "vqgan.checkpoint";
  public static final String FPS = "vqgan.fps";
  public static final String FRAMES = "vqgan.frames";
  public static final String MAX_FRAMES = "vqgan.max_frames";
  public static final String BATCH = "vqgan.batch";
  public static final String SIZE = "vqgan.size";
  public static final String OVERWRITE = "vqgan.overwrite";
  public static final String CHECKPOINT_PROPERTY = "lwm.vqgan.checkpoint";
  public static final String SAMPLING_PROPERTY = "lwm.vqgan.sampling";

  public static final StructType SCHEMA = new StructType()
      .add("video_id", DataTypes.StringType, false)
      .add("frame_index", DataTypes.IntegerType, false)
      .add("timestamp_s", DataTypes.DoubleType, false)
      .add("codes", DataTypes.createArrayType(DataTypes.IntegerType, false), false);

  /** What a task returns per video: frames, or a failure. */
  private static final StructType RESULT = new StructType()
      .add("video_id", DataTypes.StringType, false)
      .add("uri", DataTypes.StringType, false)
      .add("frame_index", DataTypes.IntegerType, true)
      .add("timestamp_s", DataTypes.DoubleType, true)
      .add("codes", DataTypes.createArrayType(DataTypes.IntegerType, false), true)
      .add("reason", DataTypes.StringType, true)
      .add("detail", DataTypes.StringType, true);

  /** The job's settings. */
  public record Settings(String checkpoint, Sampling sampling, int batch, int size, boolean overwrite) implements Serializable {}

  @Override
  public String name() {
    return "vqgan encode-videos";
  }

  @Override
  public String description() {
    return "the sampled frames of every video of 'videos' encoded to VQGAN codes into 'vision_tokens'";
  }

  @Override
  public List<String> reads() {
    return List.of(Tables.VIDEOS);
  }

  @Override
  public List<String> writes() {
    return List.of(Tables.VISION_TOKENS, Tables.REJECTS);
  }

  @Override
  public List<ConfigKey> keys() {
    return List.of(
        ConfigKey.of(CHECKPOINT, "LWM's VQGAN checkpoint (pickle or .safetensors; path, file://, s3a://, hdfs://) or random:SEED[:tiny]"),
        ConfigKey.of(FPS, "sample video frames at this rate (the default, 1 frame/s, when neither vqgan.fps nor vqgan.frames is set)"),
        ConfigKey.of(FRAMES, "sample this many evenly spaced frames per video (LWM's choice); vqgan.fps wins when both are set"),
        ConfigKey.of(MAX_FRAMES, "0", "at most this many frames per video (0: no cap)"),
        ConfigKey.of(BATCH, "4", "frames encoded together"),
        ConfigKey.of(SIZE, "256", "frame side after resizing and cropping (LWM's 256)"),
        ConfigKey.of(OVERWRITE, "false", "re-encode every video, replacing a table made with another checkpoint or sampling"),
        ConfigKey.of("vqgan.engine", "java", "java (this project's engine) or dl4j (Deeplearning4j's keyed inference on Spark)"));
  }

  /** A checkpoint file enters the fingerprint by its version ({@code random:SEED} is config alone). */
  @Override
  public String sourceVersion(SparkSession spark, Config config) {
    String ck = config.get(CHECKPOINT, null);
    return ck == null || ck.startsWith("random:") ? "" : SourceFiles.version(spark, List.of(ck));
  }

  @Override
  public JobCounts run(SparkSession spark, Lake lake, Config config) {
    return encode(spark, lake, settings(config), VqganModels.engineName(config));
  }

  /** The settings config gives; a missing checkpoint or a non-positive number is a one-line error. */
  public static Settings settings(Config config) {
    String ck = config.get(CHECKPOINT, null);
    if (ck == null || ck.isBlank()) throw new UserError("vqgan encode-videos: no checkpoint: pass --checkpoint FILE (or random:SEED) (config " + CHECKPOINT + ")");
    return new Settings(ck, sampling(config), positive(config.getInt(BATCH, 4), BATCH), positive(config.getInt(SIZE, 256), SIZE),
        config.getBoolean(OVERWRITE, false));
  }

  /** vqgan.fps, else vqgan.frames, else 1 frame/s; capped by vqgan.max_frames. */
  public static Sampling sampling(Config config) {
    int cap = config.getInt(MAX_FRAMES, 0);
    if (config.has(FPS)) {
      double fps = config.getDouble(FPS, 1);
      if (!(fps > 0)) throw new UserError(FPS + " (--fps) must be positive, got " + config.get(FPS, null));
      return Sampling.atFps(fps, cap);
    }
    if (config.has(FRAMES)) return Sampling.evenly(positive(config.getInt(FRAMES, 8), FRAMES), cap);
    return Sampling.atFps(1.0, cap);
  }

  private static int positive(int v, String key) {
    if (v <= 0) throw new UserError(key + " must be positive, got " + v);
    return v;
  }

  /** The step with its provenance, with these settings as its config keys. */
  public static JobCounts run(SparkSession spark, Lake lake, Settings s, Config config) {
    Sampling sm = s.sampling();
    if (sm.count() <= 0 && !(sm.fps() > 0)) throw new IllegalArgumentException("encode-videos samples at a rate or a count of frames, not " + sm.describe());
    Config c = config.with(CHECKPOINT, s.checkpoint()).with(MAX_FRAMES, String.valueOf(sm.maxFrames())).with(BATCH, String.valueOf(s.batch()))
        .with(SIZE, String.valueOf(s.size())).with(OVERWRITE, String.valueOf(s.overwrite()));
    c = sm.count() > 0 ? without(c, FPS).with(FRAMES, String.valueOf(sm.count())) : without(c, FRAMES).with(FPS, String.valueOf(sm.fps()));
    return StepExecution.run(new EncodeVideosJob(), spark, lake, c);
  }

  static Config without(Config config, String key) {
    if (!config.has(key)) return config;
    Map<String, String> m = new LinkedHashMap<>(config.asMap());
    m.remove(key);
    return Config.of(m);
  }

  private static JobCounts encode(SparkSession spark, Lake lake, Settings s, String engine) {
    JobCounts counts = new JobCounts(JOB);
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    String identity = VqganModels.identity(s.checkpoint(), hadoop);
    Dataset<Row> videos = lake.read(spark, Tables.VIDEOS).select("video_id", "uri");
    boolean exists = lake.exists(spark, Tables.VISION_TOKENS);
    if (exists && !s.overwrite()) {
      Map<String, String> props = lake.properties(spark, Tables.VISION_TOKENS);
      String had = props.get(CHECKPOINT_PROPERTY);
      String sampled = props.get(SAMPLING_PROPERTY);
      if ((had != null && !had.equals(identity)) || (sampled != null && !sampled.equals(s.sampling().describe()))) {
        throw new UserError("vision_tokens in " + lake + " was made with checkpoint " + had + " sampling " + sampled + ", not " + identity + " sampling "
            + s.sampling().describe() + ": pass --overwrite to re-encode every video");
      }
    }
    boolean rebuild = !exists || s.overwrite();
    Dataset<Row> todo = rebuild ? videos
        : videos.join(lake.read(spark, Tables.VISION_TOKENS).select(col("video_id").as("done_id")).distinct(), col("video_id").equalTo(col("done_id")), "left_anti");
    List<Row> work = todo.select("video_id", "uri").collectAsList();
    long total = videos.count();
    counts.put("videos", total).put("to_encode", work.size()).put("unchanged", rebuild ? 0 : total - work.size());

    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<SerializableConfiguration> conf = jsc.broadcast(new SerializableConfiguration(hadoop));
    List<String[]> items = new ArrayList<>();
    for (Row r : work) items.add(new String[] {r.getString(0), r.getString(1)});
    Dl4jEncodeVideos dl4j = engine.equals("dl4j") && !items.isEmpty() ? new Dl4jEncodeVideos(jsc, items, s, conf, hadoop) : null;
    JavaRDD<Row> results = dl4j != null ? dl4j.results()
        : jsc.parallelize(items, Math.max(1, items.size())).mapPartitions(it -> encodePartition(it, s, conf.value().value()));
    Dataset<Row> all = spark.createDataFrame(results, RESULT).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Dataset<Row> frames = all.filter(col("reason").isNull()).select("video_id", "frame_index", "timestamp_s", "codes");
      if (rebuild) lake.overwrite(frames, Tables.VISION_TOKENS);
      else if (!work.isEmpty()) lake.append(frames, Tables.VISION_TOKENS);
      List<Row> failed = all.filter(col("reason").isNotNull()).select("uri", "reason", "detail").collectAsList();
      List<org.lwm.core.lake.Reject> rejects = new ArrayList<>();
      Map<String, Long> byReason = new TreeMap<>();
      Timestamp now = new Timestamp(System.currentTimeMillis());
      for (Row r : failed) {
        rejects.add(new org.lwm.core.lake.Reject(JOB, r.getString(0), r.getString(1), r.getString(2), now));
        byReason.merge(r.getString(1), 1L, Long::sum);
      }
      Rejects.record(spark, lake, rejects);
      long written = all.filter(col("reason").isNull()).count();
      long encodedVideos = work.size() - failed.size();
      counts.put("encoded", encodedVideos).put("rejected", failed.size());
      byReason.forEach((k, v) -> counts.put("rejected." + k, v));
      counts.put("frames", written);
      counts.put("frames_per_s", String.format("%.2f", written / Math.max(1e-9, counts.seconds())));
    } finally {
      all.unpersist();
      if (dl4j != null) dl4j.release();
      conf.destroy();
    }
    if (!lake.exists(spark, Tables.VISION_TOKENS)) lake.overwrite(spark.createDataFrame(List.of(), SCHEMA), Tables.VISION_TOKENS);
    // not counts: the job's own rule against re-encoding with another checkpoint or sampling reads these back
    Map<String, String> props = new LinkedHashMap<>();
    props.put(CHECKPOINT_PROPERTY, identity);
    props.put(SAMPLING_PROPERTY, s.sampling().describe());
    counts.put("engine", engine);
    lake.setProperties(spark, Tables.VISION_TOKENS, props);
    counts.put("size", s.size());
    return counts;
  }

  /** Runs in a task: decode and encode each video of the partition. */
  static Iterator<Row> encodePartition(Iterator<String[]> videos, Settings s, Configuration hadoop) {
    Vqgan model = VqganModels.get(s.checkpoint(), hadoop);
    List<Row> out = new ArrayList<>();
    while (videos.hasNext()) {
      String[] v = videos.next();
      out.addAll(encodeVideo(model, v[0], v[1], s, hadoop));
    }
    return out.iterator();
  }

  static List<Row> encodeVideo(Vqgan model, String videoId, String uri, Settings s, Configuration hadoop) {
    List<Row> rows = new ArrayList<>();
    try {
      FrameEncoder enc = new FrameEncoder(model, s.size(), s.batch(),
          e -> rows.add(RowFactory.create(videoId, uri, e.index(), e.timestampS(), e.codes(), null, null)));
      readVideo(uri, s.sampling(), hadoop, enc::add);
      enc.flush();
      return rows;
    } catch (VideoFrames.Failure f) {
      return List.of(failure(videoId, uri, f));
    }
  }

  /** A task's row for a video that could not be decoded. */
  static Row failure(String videoId, String uri, VideoFrames.Failure f) {
    return RowFactory.create(videoId, uri, null, null, null, f.reason, f.getMessage());
  }

  /** The video's sampled frames, from a local copy when it is not on the local file system; unreadable → a failure. */
  static void readVideo(String uri, Sampling sampling, Configuration hadoop, java.util.function.Consumer<org.lwm.vqgan.frames.DecodedFrame> sink)
      throws VideoFrames.Failure {
    Path local = null;
    boolean temporary = false;
    try {
      if (uri.startsWith("file:")) {
        local = Path.of(java.net.URI.create(uri));
      } else {
        org.apache.hadoop.fs.Path src = new org.apache.hadoop.fs.Path(uri);
        local = Files.createTempFile("lwm-vqgan-", "-" + src.getName());
        temporary = true;
        try (InputStream in = src.getFileSystem(hadoop).open(src)) {
          Files.copy(in, local, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
      VideoFrames.read(local.toString(), sampling, sink);
    } catch (IOException e) {
      throw new VideoFrames.Failure("unreadable", String.valueOf(e.getMessage()));
    } finally {
      if (temporary) {
        try {
          Files.deleteIfExists(local);
        } catch (IOException ignored) {
          // a temp file left behind is harmless
        }
      }
    }
  }
}
