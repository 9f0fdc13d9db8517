package org.lwm.vqgan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.core.cli.UserError;
import org.lwm.vqgan.model.FeatureMap;
import org.lwm.vqgan.model.Vqgan;

/** Codes to pictures: the PNG's pixels are the decoder's output for the codebook rows of the codes. */
class VqganImagesTest {
  @TempDir Path dir;

  @Test
  void pngsHoldTheDecodersPixelsForTheCodebookRowsOfTheCodes() throws Exception {
    org.lwm.vqgan.weights.Checkpoint ck = VqganModels.checkpoint("random:3:tiny", null, true);
    Vqgan model = new Vqgan(ck);
    float[] book = ck.get("quantize/embeddings", 8192, 64).data();
    Random r = new Random(1);
    int[] a = new int[256], b = new int[256];
    for (int i = 0; i < 256; i++) {
      a[i] = r.nextInt(8192);
      b[i] = r.nextInt(8192);
    }
    List<BufferedImage> images = VqganImages.decode(model, List.of(a, b), 1);
    for (int f = 0; f < 2; f++) {
      int[] codes = f == 0 ? a : b;
      // decoded directly: each code's codebook row (quantize/embeddings), then the decoder
      FeatureMap z = new FeatureMap(1, 16, 16, 64);
      for (int p = 0; p < 256; p++) System.arraycopy(book, codes[p] * 64, z.data, p * 64, 64);
      FeatureMap px = model.decoder().forward(z);
      Path png = dir.resolve("f" + f + ".png");
      VqganImages.writePng(images.get(f), png);
      BufferedImage read = ImageIO.read(png.toFile());
      assertEquals(px.w, read.getWidth());
      assertEquals(px.h, read.getHeight());
      for (int y = 0; y < px.h; y++) {
        for (int x = 0; x < px.w; x++) {
          int rgb = read.getRGB(x, y);
          for (int c = 0; c < 3; c++) {
            float v = px.data[(y * px.w + x) * 3 + c];
            int want = Math.max(0, Math.min(255, Math.round((v + 1f) * 127.5f)));
            assertEquals(want, (rgb >> (16 - 8 * c)) & 0xFF, "frame " + f + " pixel " + x + "," + y + " channel " + c);
          }
        }
      }
    }
  }

  @Test
  void badCheckpointsAndCodesAreOneLineErrors() throws Exception {
    UserError missing = assertThrows(UserError.class, () -> VqganImages.load(dir.resolve("nope.pkl").toString(), "--vqgan"));
    assertTrue(missing.getMessage().startsWith("--vqgan ") && missing.getMessage().contains("does not exist"), missing.getMessage());
    Path junk = Files.writeString(dir.resolve("junk.safetensors"), "not a checkpoint");
    assertThrows(UserError.class, () -> VqganImages.load(junk.toString(), "--vqgan"));
    Vqgan model = VqganImages.load("random:4:tiny", "--vqgan");
    int[] bad = new int[256];
    bad[7] = 8192;
    assertTrue(assertThrows(UserError.class, () -> VqganImages.decode(model, List.of(bad), 1)).getMessage().contains("outside the codebook"));
    assertThrows(UserError.class, () -> VqganImages.decode(model, List.of(new int[256], new int[255]), 2));
  }
}
