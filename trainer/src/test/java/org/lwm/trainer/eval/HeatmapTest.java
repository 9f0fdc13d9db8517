package org.lwm.trainer.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeatmapTest {
  @TempDir Path tmp;

  static NeedleEval.Result grid() {
    return new NeedleEval.Result(new int[] {256, 512}, new int[] {0, 50, 100}, new double[][] {{0, 0.5, 1}, {1, 1, 0}},
        new String[][] {{"", "", ""}, {"", "", ""}});
  }

  @Test
  void drawsALegibleGridWithRedAndGreenCells() throws Exception {
    Path png = tmp.resolve("needle.png");
    Heatmap.write(grid(), png);
    BufferedImage im = ImageIO.read(png.toFile());
    assertTrue(im.getWidth() >= 520 && im.getHeight() >= 360, im.getWidth() + "x" + im.getHeight());
    int red = 0;
    int green = 0;
    for (int y = 0; y < im.getHeight(); y += 2) {
      for (int x = 0; x < im.getWidth(); x += 2) {
        Color c = new Color(im.getRGB(x, y));
        if (c.getRed() > 180 && c.getGreen() < 110 && c.getBlue() < 110) red++;
        if (c.getGreen() > 180 && c.getRed() < 110 && c.getBlue() < 110) green++;
      }
    }
    // three cells at 1 and two at 0, each ~90×60 px or more, sampled every other pixel
    assertTrue(red > 1500 && green > 2500, "red " + red + " green " + green);
    assertEquals("2K", Heatmap.tokens(2048));
  }

  @Test
  void needleJsonRoundTrips() throws Exception {
    Path f = tmp.resolve("needle.json");
    NeedleJson.write(grid(), new NeedleEval.Settings(new int[] {256, 512}, new int[] {0, 50, 100}, 1, 1, 1, 8, null), f);
    NeedleEval.Result back = NeedleJson.read(f);
    assertArrayEquals(new int[] {256, 512}, back.lengths());
    assertArrayEquals(new int[] {0, 50, 100}, back.depths());
    assertArrayEquals(new double[] {1, 1, 0}, back.accuracy()[1]);
    assertTrue(Files.readString(f).contains("\"mean\":0.5833"), Files.readString(f));
  }
}
