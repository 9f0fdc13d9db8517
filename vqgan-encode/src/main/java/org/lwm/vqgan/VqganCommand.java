package org.lwm.vqgan;

import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.cli.CommandGroup;
import org.lwm.core.cli.CommandProvider;
import org.lwm.core.cli.CommonOptions;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.core.spark.SparkSessions;
import org.lwm.vqgan.frames.Sampling;
import org.lwm.vqgan.model.Vqgan;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lwm vqgan ...}: frames to VQGAN codes and back. */
@Command(name = "vqgan", description = "Encode images and video frames to LWM's VQGAN codes (16x16 per 256x256 frame), and decode codes to images.",
    mixinStandardHelpOptions = true, subcommands = {VqganCommand.Encode.class, VqganCommand.Decode.class, VqganCommand.EncodeVideos.class})
public final class VqganCommand extends CommandGroup {
  static final String CHECKPOINT_HELP = "LWM's VQGAN checkpoint: a pickle of nested dicts of numpy arrays (Flax names) or a .safetensors of the same "
      + "'/'-joined names (path, file://, s3a://, hdfs://); or random:SEED for LWM's architecture with seeded random weights.";

  /** Registers {@code vqgan} with the {@code lwm} command. */
  public static final class Provider implements CommandProvider {
    @Override
    public Object command() {
      return new VqganCommand();
    }
  }

  /** --fps F | --frames N, plus --max-frames. */
  static final class SamplingOptions {
    @ArgGroup(exclusive = true)
    Mode mode;

    static final class Mode {
      @Option(names = "--fps", paramLabel = "F", description = "Sample video frames at F frames per second.")
      Double fps;

      @Option(names = "--frames", paramLabel = "N", description = "Sample N evenly spaced frames per video (LWM's choice; all when fewer).")
      Integer frames;
    }

    @Option(names = "--max-frames", paramLabel = "N", defaultValue = "0", description = "At most N frames per video (0: no cap).")
    int maxFrames;

    Sampling sampling(Config config) {
      int cap = maxFrames > 0 ? maxFrames : config.getInt("vqgan.max_frames", 0);
      if (mode != null && mode.fps != null) {
        if (!(mode.fps > 0)) throw new UserError("--fps must be positive, got " + mode.fps);
        return Sampling.atFps(mode.fps, cap);
      }
      if (mode != null && mode.frames != null) {
        if (mode.frames <= 0) throw new UserError("--frames must be positive, got " + mode.frames);
        return Sampling.evenly(mode.frames, cap);
      }
      if (config.has("vqgan.fps")) return Sampling.atFps(config.getDouble("vqgan.fps", 1), cap);
      if (config.has("vqgan.frames")) return Sampling.evenly(config.getInt("vqgan.frames", 8), cap);
      return Sampling.atFps(1.0, cap);
    }
  }

  static int positive(int v, String option) {
    if (v <= 0) throw new UserError(option + " must be positive, got " + v);
    return v;
  }

  @Command(name = "encode", mixinStandardHelpOptions = true,
      description = {"Encode images (PNG, JPEG, BMP, GIF) and video frames on this machine to JSON lines:",
          "{\"image\": \"<file name>[#<frame index>]\", \"codes\": [256 ints, row-major]}. Frames: shorter side to 256, centre crop, as LWM.",
          "Video frames default to 1 per second; unreadable files are reported and skipped."})
  static final class Encode implements Runnable {
    @Mixin CommonOptions common;
    @Mixin SamplingOptions sampling;

    @Option(names = "--checkpoint", required = true, paramLabel = "FILE", description = CHECKPOINT_HELP)
    String checkpoint;

    @Option(names = "--input", required = true, paramLabel = "DIR|FILE", description = "An image or video file, or a directory tree of them.")
    Path input;

    @Option(names = "--output", required = true, paramLabel = "FILE.jsonl", description = "Where the codes go (one line per frame).")
    Path output;

    @Option(names = "--batch", defaultValue = "4", paramLabel = "N", description = "Frames encoded together (default 4).")
    int batch;

    @Option(names = "--size", defaultValue = "256", paramLabel = "PX", description = "Frame side after resizing and cropping (default 256, LWM's).")
    int size;

    @Override
    public void run() {
      org.lwm.vqgan.model.VqganEngine model = VqganModels.engine(checkpoint, common.config());
      System.err.println("vqgan: " + model.describe());
      LocalEncode.encode(model, input, output, sampling.sampling(common.config()), positive(size, "--size"), positive(batch, "--batch"), System.err)
          .print(System.out);
    }
  }

  @Command(name = "decode", mixinStandardHelpOptions = true,
      description = "Decode the codes of a JSON-lines file (as 'vqgan encode' writes) to PNG images, one per line, named after its \"image\".")
  static final class Decode implements Runnable {
    @Mixin CommonOptions common;

    @Option(names = "--checkpoint", required = true, paramLabel = "FILE", description = CHECKPOINT_HELP + " Needs the decoder's tensors.")
    String checkpoint;

    @Option(names = "--input", required = true, paramLabel = "codes.jsonl", description = "JSON lines with a \"codes\" array each.")
    Path input;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Folder for the PNGs.")
    Path output;

    @Option(names = "--batch", defaultValue = "2", paramLabel = "N", description = "Frames decoded together (default 2).")
    int batch;

    @Override
    public void run() {
      Vqgan model = new Vqgan(VqganModels.checkpoint(checkpoint, null, true));
      LocalEncode.decode(model, input, output, positive(batch, "--batch"), System.err).print(System.out);
    }
  }

  @Command(name = "encode-videos", mixinStandardHelpOptions = true,
      description = {"Spark job: every video of 'videos' to 'vision_tokens' (video_id, frame_index, timestamp_s, codes: 256 ints), one row per sampled frame.",
          "Videos already encoded are skipped; FFmpeg's failures go to 'rejects'. Video frames default to 1 per second."})
  static final class EncodeVideos implements Runnable {
    @Mixin CommonOptions common;
    @Mixin SamplingOptions sampling;

    @Option(names = "--checkpoint", paramLabel = "FILE", description = CHECKPOINT_HELP + " Default: config vqgan.checkpoint.")
    String checkpoint;

    @Option(names = "--batch", paramLabel = "N", description = "Frames encoded together (default: config vqgan.batch or 4).")
    Integer batch;

    @Option(names = "--overwrite", description = "Re-encode every video, replacing a table made with another checkpoint or sampling.")
    boolean overwrite;

    @Override
    public void run() {
      Config config = common.config();
      String ck = checkpoint != null ? checkpoint : config.get("vqgan.checkpoint", null);
      if (ck == null) throw new UserError("no checkpoint: pass --checkpoint FILE (or random:SEED) or set vqgan.checkpoint");
      int b = positive(batch != null ? batch : config.getInt("vqgan.batch", 4), "--batch");
      SparkSession spark = SparkSessions.create("vqgan encode-videos", config);
      common.lake().checkReadable(spark);
      EncodeVideosJob.run(spark, common.lake(), new EncodeVideosJob.Settings(ck, sampling.sampling(config), b, 256, overwrite), config).print(System.out);
    }
  }
}
