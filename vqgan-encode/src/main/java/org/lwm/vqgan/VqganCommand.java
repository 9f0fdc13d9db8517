package org.lwm.vqgan;

import java.nio.file.Path;
import java.util.List;
import org.lwm.core.cli.CommandGroup;
import org.lwm.core.cli.CommandProvider;
import org.lwm.core.cli.CommonOptions;
import org.lwm.core.cli.StepCommand;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.core.step.Step;
import org.lwm.core.step.StepProvider;
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

  /** The Spark job as a pipeline step ({@code encode} and {@code decode} are file commands). */
  public static final class Steps implements StepProvider {
    @Override
    public List<Step> steps() {
      return List.of(new EncodeVideosJob());
    }
  }

  /** --fps F | --frames N, plus --max-frames: the config keys vqgan.fps | vqgan.frames and vqgan.max_frames. */
  static final class SamplingOptions {
    @ArgGroup(exclusive = true)
    Mode mode;

    static final class Mode {
      @Option(names = "--fps", paramLabel = "F", description = "Sample video frames at F frames per second.")
      Double fps;

      @Option(names = "--frames", paramLabel = "N", description = "Sample N evenly spaced frames per video (LWM's choice; all when fewer).")
      Integer frames;
    }

    @Option(names = "--max-frames", paramLabel = "N", description = "At most N frames per video (config vqgan.max_frames; default 0: no cap).")
    Integer maxFrames;

    /** {@code base} with the options given; --fps or --frames replaces the other's config key. */
    Config configure(Config base) {
      Config c = base.withIfSet(EncodeVideosJob.MAX_FRAMES, maxFrames);
      if (mode != null && mode.fps != null) return EncodeVideosJob.without(c, EncodeVideosJob.FRAMES).with(EncodeVideosJob.FPS, String.valueOf(mode.fps));
      if (mode != null && mode.frames != null) return EncodeVideosJob.without(c, EncodeVideosJob.FPS).with(EncodeVideosJob.FRAMES, String.valueOf(mode.frames));
      return c;
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
      LocalEncode.encode(model, input, output, EncodeVideosJob.sampling(sampling.configure(common.config())), positive(size, "--size"), positive(batch, "--batch"), System.err)
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
  static final class EncodeVideos extends StepCommand {
    @Mixin SamplingOptions sampling;

    @Option(names = "--checkpoint", paramLabel = "FILE", description = CHECKPOINT_HELP + " Config vqgan.checkpoint.")
    String checkpoint;

    @Option(names = "--batch", paramLabel = "N", description = "Frames encoded together (config vqgan.batch, default 4).")
    Integer batch;

    @Option(names = "--overwrite", description = "Re-encode every video, replacing a table made with another checkpoint or sampling.")
    boolean overwrite;

    @Override
    public Step step() {
      return new EncodeVideosJob();
    }

    @Override
    public Config configure(Config base) {
      Config c = sampling.configure(base).withIfSet(EncodeVideosJob.CHECKPOINT, checkpoint).withIfSet(EncodeVideosJob.BATCH, batch);
      return overwrite ? c.with(EncodeVideosJob.OVERWRITE, "true") : c;
    }
  }
}
