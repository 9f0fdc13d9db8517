package org.lwm.trainer.eval;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** The needle eval's accuracy grid as a PNG (rows: depth, columns: context length; red 0 → green 1), headless. */
public final class Heatmap {
  private Heatmap() {}

  public static void write(NeedleEval.Result r, Path png) throws IOException {
    System.setProperty("java.awt.headless", "true");
    int cell = 48, left = 64, top = 40, bottom = 36;
    int w = left + cell * r.lengths().length + 16, h = top + cell * r.depths().length + bottom;
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, w, h);
    for (int l = 0; l < r.lengths().length; l++) {
      for (int d = 0; d < r.depths().length; d++) {
        double a = Math.max(0, Math.min(1, r.accuracy()[l][d]));
        g.setColor(new Color((int) (220 * (1 - a)) + 20, (int) (180 * a) + 40, 60));
        g.fillRect(left + l * cell, top + d * cell, cell - 2, cell - 2);
      }
    }
    try {
      // text needs fonts; a machine without any still gets the coloured grid
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
      g.setColor(Color.BLACK);
      g.drawString("needle accuracy (rows: depth %, columns: context length)", 4, 16);
      for (int d = 0; d < r.depths().length; d++) g.drawString(r.depths()[d] + "%", 8, top + d * cell + cell / 2 + 4);
      for (int l = 0; l < r.lengths().length; l++) {
        g.drawString(Integer.toString(r.lengths()[l]), left + l * cell + 4, top + r.depths().length * cell + 16);
        for (int d = 0; d < r.depths().length; d++) {
          g.drawString(String.format(java.util.Locale.ROOT, "%.2f", r.accuracy()[l][d]), left + l * cell + 10, top + d * cell + cell / 2 + 4);
        }
      }
    } catch (Throwable noFonts) {
      // keep the grid without labels
    }
    g.dispose();
    ImageIO.write(img, "png", png.toFile());
  }
}
