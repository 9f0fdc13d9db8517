package org.lwm.orchestration.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.core.testing.TestSpark;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.orchestration.Lwm;
import org.lwm.trainer.backend.Backend;
import org.lwm.trainer.checkpoint.Checkpoint;
import org.lwm.trainer.inference.Decoder;
import org.lwm.trainer.inference.Sampling;
import org.lwm.trainer.inference.VisionGenerator;
import org.lwm.trainer.inference.VisionPrompt;
import org.lwm.trainer.model.ModelConfig;
import org.lwm.trainer.model.Parameters;
import org.lwm.vqgan.VqganModels;
import org.lwm.vqgan.model.FeatureMap;
import org.lwm.vqgan.model.Vqgan;

/** {@code lwm generate image|video} end to end: a small vision checkpoint made here, seeded random VQGANs. */
class GenerateVisionCommandTest {
  @TempDir static Path dir;
  static Path vision;
  static Path textOnly;
  static final String TOKENIZER = TestSpark.repoRoot().resolve("samples/tokenizer.model").toString();

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    PrintStream oldOut = System.out, oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = Lwm.commandLine(false).setOut(new java.io.PrintWriter(System.out, true)).setErr(new java.io.PrintWriter(System.err, true)).execute(args);
      return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  /** The one line of a failed run's stderr (JavaCPP's version warning aside, which is not ours). */
  static String error(Run r) {
    List<String> lines = r.err().lines().filter(l -> !l.startsWith("Warning: Versions of org.bytedeco")).toList();
    assertEquals(1, lines.size(), r.err());
    return lines.get(0);
  }

  @BeforeAll
  static void checkpoints() throws Exception {
    vision = dir.resolve("vision");
    Parameters p = Parameters.init(new ModelConfig(8000, 8448, 16, 24, 1, 2, 2, 1e4, 1e-5, 1024), 7);
    p.named().forEach((name, w) -> {
      if (!name.endsWith("norm.weight")) for (int i = 0; i < w.length; i++) w[i] *= 20f; // choices that depend on the prompt
    });
    Checkpoint.write(vision, p);
    textOnly = dir.resolve("text");
    Checkpoint.write(textOnly, Parameters.init(new ModelConfig(8000, 0, 16, 24, 1, 2, 2, 1e4, 1e-5, 1024), 7));
  }

  static List<int[]> codes(Path jsonl) throws Exception {
    List<int[]> out = new ArrayList<>();
    for (String l : Files.readAllLines(jsonl)) {
      JsonNode n = new ObjectMapper().readTree(l);
      int[] c = new int[n.get("codes").size()];
      for (int i = 0; i < c.length; i++) c[i] = n.get("codes").get(i).asInt();
      out.add(c);
    }
    return out;
  }

  @Test
  void anImageIsLwmsVisionSpanDecodedToA256PixelPng() throws Exception {
    Path out = dir.resolve("image");
    Run r = run("generate", "image", "--checkpoint", vision.toString(), "--tokenizer", TOKENIZER, "--vqgan", "random:5:small",
        "--prompt", "a red ball", "--output", out.toString(), "--seed", "3");
    assertEquals(0, r.code(), r.err());
    assertEquals(out.resolve("frame_0000.png").toString(), r.out().strip());
    List<int[]> codes = codes(out.resolve("codes.jsonl"));
    assertEquals(1, codes.size());
    // the codes are the generator's for LWM's prompt, guidance 5 against <s><vision>, all codes, temperature 1, the seed
    SentencePieceTokenizer tok = SentencePieceTokenizer.load(Path.of(TOKENIZER));
    VisionGenerator gen = new VisionGenerator(new Decoder(Checkpoint.read(vision), Backend.cpu()), tok.encode("</vision>"));
    VisionGenerator.Result want = gen.generate(new VisionGenerator.Request(VisionPrompt.lwm(tok, VisionPrompt.Kind.IMAGE, "a red ball"),
        VisionPrompt.unconditional(tok), 5, 1, true, new Sampling(1, 0, 1, 3)));
    assertArrayEquals(want.frames().get(0), codes.get(0));
    BufferedImage png = ImageIO.read(out.resolve("frame_0000.png").toFile());
    assertEquals(256, png.getWidth());
    assertEquals(256, png.getHeight());
  }

  @Test
  void aVideoWritesOnePngPerFrameTheDecodersPixelsForItsCodes() throws Exception {
    Path out = dir.resolve("video");
    Run r = run("generate", "video", "--checkpoint", vision.toString(), "--tokenizer", TOKENIZER, "--vqgan", "random:5:tiny",
        "--prompt", "a ball bounces", "--output", out.toString(), "--frames", "2");
    assertEquals(0, r.code(), r.err());
    List<int[]> codes = codes(out.resolve("codes.jsonl"));
    assertEquals(2, codes.size());
    // each PNG is the VQGAN decoder's output for its frame's codebook rows, pixel for pixel (the tiny VQGAN: 64x64)
    org.lwm.vqgan.weights.Checkpoint ck = VqganModels.checkpoint("random:5:tiny", null, true);
    float[] book = ck.get("quantize/embeddings", 8192, 64).data();
    Vqgan direct = new Vqgan(ck);
    for (int f = 0; f < 2; f++) {
      FeatureMap z = new FeatureMap(1, 16, 16, 64);
      for (int p = 0; p < 256; p++) System.arraycopy(book, codes.get(f)[p] * 64, z.data, p * 64, 64);
      FeatureMap px = direct.decoder().forward(z);
      BufferedImage png = ImageIO.read(out.resolve(String.format("frame_%04d.png", f)).toFile());
      assertEquals(64, png.getWidth());
      for (int y = 0; y < 64; y++) {
        for (int x = 0; x < 64; x++) {
          for (int c = 0; c < 3; c++) {
            int v = Math.max(0, Math.min(255, Math.round((px.data[(y * 64 + x) * 3 + c] + 1f) * 127.5f)));
            assertEquals(v, (png.getRGB(x, y) >> (16 - 8 * c)) & 0xFF, "frame " + f + " pixel " + x + "," + y);
          }
        }
      }
    }
  }

  @Test
  void badInputsAreOneLineErrorsAndTextGenerationIsUnchanged() {
    String out = dir.resolve("bad").toString();
    Run text = run("generate", "image", "--checkpoint", textOnly.toString(), "--tokenizer", TOKENIZER, "--vqgan", "random:5:tiny", "--prompt", "x", "--output", out);
    assertEquals(1, text.code());
    assertTrue(error(text).startsWith("lwm: the checkpoint is text-only"), text.err());
    Run vqgan = run("generate", "image", "--checkpoint", vision.toString(), "--tokenizer", TOKENIZER, "--vqgan", dir.resolve("none.pkl").toString(),
        "--prompt", "x", "--output", out);
    assertEquals(1, vqgan.code());
    assertTrue(error(vqgan).startsWith("lwm: --vqgan ") && error(vqgan).contains("does not exist"), vqgan.err());
    Run frames = run("generate", "video", "--checkpoint", vision.toString(), "--tokenizer", TOKENIZER, "--vqgan", "random:5:tiny", "--prompt", "x",
        "--output", out, "--frames", "0");
    assertEquals(1, frames.code());
    assertEquals("lwm: --frames must be at least 1, got 0", error(frames));
    assertTrue(Files.notExists(Path.of(out)), "nothing written");
    // text: still 'lwm generate --prompt', its required options still a usage error
    Run ids = run("generate", "--checkpoint", vision.toString(), "--tokenizer", TOKENIZER, "--prompt", "In the beginning", "--max-tokens", "3", "--ids");
    assertEquals(0, ids.code(), ids.err());
    assertTrue(ids.out().strip().matches("\\[\\d+,\\d+,\\d+\\]"), ids.out());
    Run missing = run("generate", "--checkpoint", vision.toString());
    assertEquals(2, missing.code());
    assertTrue(missing.err().contains("Missing required options: '--tokenizer=FILE', '--prompt=TEXT'"), missing.err());
  }
}
