package org.lwm.vqgan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.core.config.Config;
import picocli.CommandLine;

/** {@code lwm vqgan encode} and {@code decode} as the command line runs them (tiny seeded model, 64×64 frames). */
class VqganCommandTest {
  @TempDir Path dir;

  @Test
  void encodeVideosSetsOnlyTheOptionsGivenAsConfigKeys() {
    Config pipeline = Config.of(java.util.Map.of(EncodeVideosJob.FPS, "2", EncodeVideosJob.BATCH, "8", EncodeVideosJob.CHECKPOINT, "random:1"));
    VqganCommand.EncodeVideos none = new VqganCommand.EncodeVideos();
    new CommandLine(none).parseArgs();
    assertEquals(pipeline.asMap(), none.configure(pipeline).asMap(), "options not given leave the config as it is");
    VqganCommand.EncodeVideos some = new VqganCommand.EncodeVideos();
    new CommandLine(some).parseArgs("--frames", "3", "--checkpoint", "random:5", "--overwrite");
    Config c = some.configure(pipeline);
    assertEquals("3", c.get(EncodeVideosJob.FRAMES, null));
    assertTrue(!c.has(EncodeVideosJob.FPS), "--frames replaces the configured rate");
    assertEquals("random:5", c.get(EncodeVideosJob.CHECKPOINT, null));
    assertEquals("8", c.get(EncodeVideosJob.BATCH, null));
    assertEquals("3 evenly spaced frames", EncodeVideosJob.sampling(c).describe());
    assertTrue(EncodeVideosJob.settings(c).overwrite());
  }

  @Test
  void encodesImagesAndVideoFramesToJsonLinesAndDecodesThemToPngs() throws Exception {
    Path in = Files.createDirectories(dir.resolve("in"));
    BufferedImage im = new BufferedImage(90, 70, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 70; y++) for (int x = 0; x < 90; x++) im.setRGB(x, y, (x * 2 << 16) | (y * 3 << 8) | ((x + y) & 0xFF));
    ImageIO.write(im, "png", in.resolve("picture.png").toFile());
    TestVideos.record(in.resolve("clip.mp4"), "mp4", 64, 48, 10, 20);
    Files.writeString(in.resolve("broken.mkv"), "not a video");
    Path out = dir.resolve("codes.jsonl");

    int rc = new CommandLine(new VqganCommand()).execute("encode", "--checkpoint", "random:3:tiny", "--input", in.toString(), "--output", out.toString(),
        "--frames", "2", "--size", "64", "--batch", "2");
    assertEquals(0, rc);
    List<JsonNode> lines = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    for (String l : Files.readAllLines(out)) lines.add(json.readTree(l));
    assertEquals(List.of("clip.mp4#0", "clip.mp4#1", "picture.png"), lines.stream().map(n -> n.get("image").asText()).toList());
    for (JsonNode n : lines) assertEquals(256, n.get("codes").size());
    // the image's line is the model's codes for that image
    int[] direct = LocalEncode.encodeImage(VqganModels.get("random:3:tiny"), in.resolve("picture.png"), 64);
    for (int i = 0; i < 256; i++) assertEquals(direct[i], lines.get(2).get("codes").get(i).asInt());

    Path pngs = dir.resolve("png");
    rc = new CommandLine(new VqganCommand()).execute("decode", "--checkpoint", "random:3:tiny", "--input", out.toString(), "--output", pngs.toString());
    assertEquals(0, rc);
    BufferedImage decoded = ImageIO.read(pngs.resolve("picture.png.png").toFile());
    assertEquals(64, decoded.getWidth());
    assertEquals(64, decoded.getHeight());
    assertTrue(Files.exists(pngs.resolve("clip.mp4_1.png")));
  }

  @Test
  void encodeWithTheDl4jEngineGivesTheJavaEnginesCodes() throws Exception {
    BufferedImage im = new BufferedImage(90, 70, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 70; y++) for (int x = 0; x < 90; x++) im.setRGB(x, y, (x * 2 << 16) | (y * 3 << 8) | ((x + y) & 0xFF));
    Path png = dir.resolve("picture.png");
    ImageIO.write(im, "png", png.toFile());
    Path out = dir.resolve("codes.jsonl");
    int rc = new CommandLine(new VqganCommand()).execute("encode", "--checkpoint", "random:3:tiny", "--input", png.toString(), "--output", out.toString(),
        "--size", "64", "--set", "vqgan.engine=dl4j");
    assertEquals(0, rc);
    JsonNode line = new ObjectMapper().readTree(Files.readAllLines(out).get(0));
    int[] java = LocalEncode.encodeImage(VqganModels.get("random:3:tiny"), png, 64);
    int same = 0;
    for (int i = 0; i < 256; i++) if (java[i] == line.get("codes").get(i).asInt()) same++;
    assertTrue(same >= 250, same + " of 256 codes agree (the tiny model's ±1/8192 codebook leaves a few near-ties)");
    org.lwm.core.cli.UserError e = org.junit.jupiter.api.Assertions.assertThrows(org.lwm.core.cli.UserError.class,
        () -> VqganModels.engine("random:3:tiny", org.lwm.core.config.Config.empty().with("vqgan.engine", "onnx")));
    assertEquals("vqgan.engine must be java or dl4j, got 'onnx'", e.getMessage());
  }
}
