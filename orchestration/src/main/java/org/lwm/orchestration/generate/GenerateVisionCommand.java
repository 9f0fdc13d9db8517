package org.lwm.orchestration.generate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lwm.core.cli.UserError;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.packing.format.FormatOptions;
import org.lwm.trainer.backend.Backend;
import org.lwm.trainer.checkpoint.Checkpoint;
import org.lwm.trainer.inference.Decoder;
import org.lwm.trainer.inference.Sampling;
import org.lwm.trainer.inference.VisionGenerator;
import org.lwm.trainer.inference.VisionPrompt;
import org.lwm.vqgan.VqganImages;
import org.lwm.vqgan.model.Vqgan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lwm generate image|video}: a checkpoint's vision head writes VQGAN codes in LWM's format (trainer's
 * {@link VisionGenerator}) and the VQGAN decoder turns them into PNGs ({@link VqganImages}). It joins trainer and
 * vqgan-encode, which may not know each other, so it lives here and {@code Lwm} hangs it under trainer's
 * {@code generate}.
 */
public final class GenerateVisionCommand {
  private static final ObjectMapper JSON = new ObjectMapper();

  private GenerateVisionCommand() {}

  /** The commands to put under {@code generate}. */
  public static List<Object> subcommands() {
    return List.of(new Image(), new Video());
  }

  /** What both commands take; the sampling defaults are LWM's (vision_generation.py and its run scripts). */
  static final class Options {
    @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "A checkpoint with a vision vocabulary (config.json + model.safetensors).")
    Path checkpoint;

    @Option(names = "--tokenizer", required = true, paramLabel = "FILE", description = "The SentencePiece tokenizer.model it was trained with.")
    Path tokenizer;

    @Option(names = "--vqgan", required = true, paramLabel = "FILE",
        description = "The VQGAN whose codes it was trained on: LWM's checkpoint (.pkl or .safetensors, with the decoder) or random:SEED "
            + "(the demo encodes with random:42).")
    String vqgan;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "What to generate.")
    String prompt;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Folder for frame_0000.png … and codes.jsonl.")
    Path output;

    @Option(names = "--plain-prompt", description = "BOS, the prompt, <vision> (as the pipeline's text_to_image/text_to_video examples) instead of LWM's chat template.")
    boolean plain;

    @Option(names = "--temperature", defaultValue = "1", paramLabel = "T", description = "Softmax temperature (default 1, LWM's; 0: greedy).")
    double temperature;

    @Option(names = "--top-p", defaultValue = "1", paramLabel = "P", description = "Sample within the smallest set of probability ≥ P (default 1).")
    double topP;

    @Option(names = "--seed", defaultValue = "1234", paramLabel = "S", description = "Sampling seed (default 1234, LWM's).")
    long seed;

    Sampling sampling(int topK, long offset) {
      if (topK < 0) throw new UserError("--top-k " + topK + " must be ≥ 0 (0: all codes)");
      return new Sampling(temperature, topK >= FormatOptions.CODES ? 0 : topK, topP, seed + offset);
    }

    /** Checks everything that can fail before the (long) generation: model, tokenizer, VQGAN. */
    Setup setup() {
      Decoder decoder = new Decoder(Checkpoint.read(checkpoint), Backend.cpu());
      SentencePieceTokenizer tok = SentencePieceTokenizer.load(tokenizer);
      VisionGenerator gen = new VisionGenerator(decoder, tok.encode("</vision>"));
      Vqgan model = VqganImages.load(vqgan, "--vqgan");
      if (model.config().numEmbeddings() != FormatOptions.CODES) {
        throw new UserError("--vqgan " + vqgan + " has a codebook of " + model.config().numEmbeddings() + " codes, not LWM's " + FormatOptions.CODES);
      }
      return new Setup(tok, gen, model);
    }

    VisionPrompt prompt(SentencePieceTokenizer tok, VisionPrompt.Kind kind) {
      return plain ? VisionPrompt.plain(tok, prompt) : VisionPrompt.lwm(tok, kind, prompt);
    }

    /** The frames as PNGs and their codes as JSON lines ({@code vqgan decode}'s input), one line per frame. */
    void write(Setup s, VisionGenerator.Result r, long t0) {
      long t1 = System.nanoTime();
      List<BufferedImage> images = VqganImages.decode(s.vqgan(), r.frames(), 1);
      StringBuilder lines = new StringBuilder();
      List<Path> pngs = new ArrayList<>();
      for (int i = 0; i < images.size(); i++) {
        String name = String.format("frame_%04d", i);
        Path png = output.resolve(name + ".png");
        VqganImages.writePng(images.get(i), png);
        pngs.add(png);
        ObjectNode n = JSON.createObjectNode().put("image", name);
        var a = n.putArray("codes");
        for (int c : r.frames().get(i)) a.add(c);
        lines.append(n).append('\n');
      }
      try {
        Files.writeString(output.resolve("codes.jsonl"), lines, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UserError("cannot write " + output.resolve("codes.jsonl") + ": " + e.getMessage());
      }
      for (Path p : pngs) System.out.println(p);
      System.err.printf("generate: %d frames (%d tokens) in %.2f s, decoded in %.2f s%n", images.size(), r.tokens().length, (t1 - t0) / 1e9,
          (System.nanoTime() - t1) / 1e9);
    }
  }

  record Setup(SentencePieceTokenizer tok, VisionGenerator gen, Vqgan vqgan) {}

  @Command(name = "image", mixinStandardHelpOptions = true,
      description = {"Generate an image with the checkpoint's vision head in LWM's format",
          "(<vision>, 256 codes, <eov>, </vision>) and decode it through the VQGAN:",
          "OUTPUT/frame_0000.png (256x256 for LWM's VQGAN) and OUTPUT/codes.jsonl.",
          "Prompt: LWM's \"You are a helpful assistant. USER: Generate an image of",
          "TEXT ASSISTANT: <vision>\", guided against \"<s><vision>\" (classifier-free",
          "guidance, LWM's scale 5). Sampling defaults are LWM's."})
  static final class Image implements Runnable {
    @Mixin Options o;

    @Option(names = "--cfg-scale", defaultValue = "5", paramLabel = "S", description = "Classifier-free guidance scale (default 5, LWM's; 1: none).")
    double cfgScale;

    @Option(names = "--top-k", defaultValue = "8192", paramLabel = "K", description = "Sample among the K likeliest codes (default 8192, LWM's: all).")
    int topK;

    @Override
    public void run() {
      Sampling sampling = o.sampling(topK, 0);
      Setup s = o.setup();
      long t0 = System.nanoTime();
      VisionGenerator.Result r = s.gen().generate(new VisionGenerator.Request(o.prompt(s.tok(), VisionPrompt.Kind.IMAGE), VisionPrompt.unconditional(s.tok()),
          cfgScale, 1, true, sampling));
      o.write(s, r, t0);
    }
  }

  @Command(name = "video", mixinStandardHelpOptions = true,
      description = {"Generate a video's frames as LWM does: the first frame as an image of the",
          "prompt (--image-cfg-scale, --image-top-k), then the others continuing it",
          "under \"... USER: Generate a video of TEXT ASSISTANT: <vision>\" (--cfg-scale,",
          "--top-k): frames of 256 codes, <eof> between them, <eov> </vision> after",
          "the last. Writes OUTPUT/frame_0000.png, frame_0001.png ... (PNG frames only,",
          "no video file) and OUTPUT/codes.jsonl (lwm vqgan decode's input)."})
  static final class Video implements Runnable {
    @Mixin Options o;

    @Option(names = "--frames", defaultValue = "8", paramLabel = "N", description = "Frames to generate (default 8, LWM's script).")
    int frames;

    @Option(names = "--cfg-scale", defaultValue = "1", paramLabel = "S", description = "Guidance scale after the first frame (default 1, LWM's: none).")
    double cfgScale;

    @Option(names = "--top-k", defaultValue = "1000", paramLabel = "K", description = "Sample among the K likeliest codes after the first frame (default 1000, LWM's script).")
    int topK;

    @Option(names = "--image-cfg-scale", defaultValue = "5", paramLabel = "S", description = "Guidance scale of the first frame (default 5).")
    double imageCfgScale;

    @Option(names = "--image-top-k", defaultValue = "8192", paramLabel = "K", description = "Top-k of the first frame (default 8192: all).")
    int imageTopK;

    @Override
    public void run() {
      if (frames < 1) throw new UserError("--frames must be at least 1, got " + frames);
      Sampling first = o.sampling(imageTopK, 0), rest = o.sampling(topK, 1);
      Setup s = o.setup();
      long t0 = System.nanoTime();
      VisionPrompt uncond = VisionPrompt.unconditional(s.tok());
      VisionGenerator.Result r = s.gen().video(
          new VisionGenerator.Request(o.prompt(s.tok(), VisionPrompt.Kind.IMAGE), uncond, imageCfgScale, 1, frames == 1, first),
          o.prompt(s.tok(), VisionPrompt.Kind.VIDEO), frames, cfgScale, rest);
      o.write(s, r, t0);
    }
  }
}
