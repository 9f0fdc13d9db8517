package org.lwm.vqgan;

import static org.apache.spark.sql.functions.col;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.cli.UserError;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.vqgan.frames.DecodedFrame;
import org.lwm.vqgan.frames.Preprocess;
import org.lwm.vqgan.frames.Sampling;
import org.lwm.vqgan.frames.VideoFrames;
import org.lwm.vqgan.model.FeatureMap;
import org.lwm.vqgan.model.Vqgan;

/**
 * Frames of {@code vision_tokens} made visible: a video's codes decoded back to images by the VQGAN decoder of
 * the checkpoint that encoded them (the table's {@code lwm.vqgan.checkpoint}, or one given), beside the original
 * frame as the encoder saw it (LWM's preprocessing: shorter side to the table's size, centre crop). For reports
 * and notebooks.
 */
public final class VisionFrames {
  /** One frame: where it is in the video, the original and the decoded image (both size×size). */
  public record Frame(String videoId, int frameIndex, double timestampS, BufferedImage original, BufferedImage decoded) {}

  private static final Map<String, Vqgan> DECODERS = new java.util.concurrent.ConcurrentHashMap<>();

  private VisionFrames() {}

  /**
   * The first {@code maxFrames} frames of {@code videoId} in {@code vision_tokens}; {@code checkpoint} null means
   * the one the table records (a {@code random:SEED} spec; a file's identity is not a path, so pass it then).
   */
  public static List<Frame> ofVideo(SparkSession spark, Lake lake, String videoId, int maxFrames, String checkpoint) {
    List<Row> rows = lake.read(spark, Tables.VISION_TOKENS).where(col("video_id").equalTo(videoId))
        .orderBy("frame_index").limit(maxFrames).select("video_id", "frame_index", "timestamp_s", "codes").collectAsList();
    if (rows.isEmpty()) throw new UserError("vision_tokens has no frames of video " + videoId);
    return frames(spark, lake, rows, checkpoint);
  }

  /** The first frame of each of the first {@code videos} videos (by video_id), decoded in one batch. */
  public static List<Frame> firstFrames(SparkSession spark, Lake lake, int videos, String checkpoint) {
    List<Row> rows = lake.read(spark, Tables.VISION_TOKENS).where(col("frame_index").equalTo(0)).orderBy("video_id").limit(videos)
        .select("video_id", "frame_index", "timestamp_s", "codes").collectAsList();
    return rows.isEmpty() ? List.of() : frames(spark, lake, rows, checkpoint);
  }

  /** Rows of (video_id, frame_index, timestamp_s, codes) decoded together, each beside its original. */
  static List<Frame> frames(SparkSession spark, Lake lake, List<Row> rows, String checkpoint) {
    Map<String, String> props = lake.properties(spark, Tables.VISION_TOKENS);
    String spec = checkpoint != null ? checkpoint : props.get(EncodeVideosJob.CHECKPOINT_PROPERTY);
    if (spec == null || (checkpoint == null && !spec.startsWith("random:"))) {
      throw new UserError("vision_tokens records checkpoint '" + spec + "', which is not a loadable spec: pass the checkpoint file");
    }
    int size = Integer.parseInt(props.getOrDefault("lwm.vqgan.size", "256"));
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    Map<String, Row> videos = new java.util.HashMap<>();
    for (Row v : lake.read(spark, Tables.VIDEOS).select("video_id", "uri", "fps").collectAsList()) videos.put(v.getString(0), v);
    List<int[]> codes = new ArrayList<>();
    for (Row r : rows) codes.add(r.getList(3).stream().mapToInt(o -> ((Number) o).intValue()).toArray());
    List<BufferedImage> decoded = decode(spec, hadoop, codes);
    List<Frame> out = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      Row video = videos.get(r.getString(0));
      if (video == null) throw new UserError("vision_tokens has video " + r.getString(0) + ", which is not in videos");
      double t = r.getDouble(2);
      out.add(new Frame(r.getString(0), r.getInt(1), t, original(video.getString(1), t, video.isNullAt(2) ? 0 : video.getDouble(2), size, hadoop),
          decoded.get(i)));
    }
    return out;
  }

  /** Codes (square grids, row-major) through the checkpoint's decoder, as 8-bit RGB images, in one batch. */
  public static List<BufferedImage> decode(String checkpoint, Configuration hadoop, List<int[]> codes) {
    // building a decoder (random weights: ~100M numbers drawn) costs more than decoding a few frames: keep it
    Vqgan model = DECODERS.computeIfAbsent(checkpoint, c -> new Vqgan(VqganModels.checkpoint(c, hadoop, true)));
    return VqganImages.decode(model, codes, codes.size());
  }

  /** The video's frame nearest {@code timestampS}, preprocessed as the encoder does (size×size). */
  public static BufferedImage original(String uri, double timestampS, double fps, int size, Configuration hadoop) {
    Path local = null;
    boolean temporary = !uri.startsWith("file:");
    try {
      if (temporary) {
        org.apache.hadoop.fs.Path src = new org.apache.hadoop.fs.Path(uri);
        local = Files.createTempFile("lwm-frames-", "-" + src.getName());
        try (InputStream in = src.getFileSystem(hadoop).open(src)) {
          Files.copy(in, local, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      } else {
        local = Path.of(java.net.URI.create(uri));
      }
      // every frame up to a little past the timestamp, keeping the nearest
      int upTo = fps > 0 ? (int) Math.ceil(timestampS * fps) + 2 : 0;
      DecodedFrame[] best = new DecodedFrame[1];
      VideoFrames.read(local.toString(), Sampling.every(upTo), f -> {
        if (best[0] == null || Math.abs(f.timestampS() - timestampS) < Math.abs(best[0].timestampS() - timestampS)) best[0] = f;
      });
      float[] px = Preprocess.frame(best[0].rgb(), best[0].width(), best[0].height(), size);
      return VqganImages.image(new FeatureMap(1, size, size, 3, px), 0);
    } catch (VideoFrames.Failure e) {
      throw new UserError("cannot read the frames of " + uri + ": " + e.reason + " (" + e.getMessage() + ")");
    } catch (IOException e) {
      throw new UserError("cannot read " + uri + ": " + e.getMessage());
    } finally {
      if (temporary && local != null) {
        try {
          Files.deleteIfExists(local);
        } catch (IOException ignored) {
          // a temp file left behind is harmless
        }
      }
    }
  }
}
