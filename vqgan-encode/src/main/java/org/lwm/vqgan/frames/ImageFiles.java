package org.lwm.vqgan.frames;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import javax.imageio.ImageIO;

/**
 * Still images (PNG, JPEG, BMP, GIF's first frame) as 8-bit RGB, the way LWM opens them
 * ({@code Image.open(f).convert('RGB')}): grayscale is repeated into the three channels and an alpha channel
 * is dropped (not composited), as PIL's convert does.
 */
public final class ImageFiles {
  public static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif");

  private ImageFiles() {}

  public static boolean isImage(String name) {
    int dot = name.lastIndexOf('.');
    return dot >= 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase());
  }

  /** The image's pixels; a failure names the file and what is wrong with it. */
  public static DecodedFrame read(Path file) throws VideoFrames.Failure {
    BufferedImage im;
    try {
      im = ImageIO.read(file.toFile());
    } catch (IOException e) {
      throw new VideoFrames.Failure("unreadable-image", String.valueOf(e.getMessage()));
    }
    if (im == null) throw new VideoFrames.Failure("unreadable-image", "no image reader understands the file");
    int w = im.getWidth();
    int h = im.getHeight();
    byte[] rgb = new byte[w * h * 3];
    Raster r = im.getRaster();
    int bands = r.getNumBands();
    boolean gray = im.getColorModel().getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_GRAY && im.getColorModel().getNumColorComponents() == 1;
    if (gray) { // raw samples: getRGB would pass them through a linear-to-sRGB conversion
      int bits = im.getColorModel().getComponentSize(0);
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int v = r.getSample(x, y, 0);
          if (bits > 8) v >>= bits - 8;
          int o = (y * w + x) * 3;
          rgb[o] = rgb[o + 1] = rgb[o + 2] = (byte) v;
        }
      }
    } else {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int argb = im.getColorModel().hasAlpha() && bands == 4 && im.getColorModel().getComponentSize(0) == 8
              ? (r.getSample(x, y, 0) << 16) | (r.getSample(x, y, 1) << 8) | r.getSample(x, y, 2) // alpha dropped, colours as stored
              : im.getRGB(x, y);
          int o = (y * w + x) * 3;
          rgb[o] = (byte) (argb >> 16);
          rgb[o + 1] = (byte) (argb >> 8);
          rgb[o + 2] = (byte) argb;
        }
      }
    }
    return new DecodedFrame(0, 0, w, h, rgb);
  }
}
