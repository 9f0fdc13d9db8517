package org.lwm.vqgan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.vqgan.frames.DecodedFrame;
import org.lwm.vqgan.frames.ImageFiles;
import org.lwm.vqgan.frames.Preprocess;
import org.lwm.vqgan.frames.Sampling;

/** Preprocessing equals LWM's (PIL resize + crop + scaling) bit for bit; image files; frame sampling. */
class PreprocessTest {
  @TempDir Path dir;

  /** A smooth picture with some sharp edges, so resampling has something to get wrong. */
  static byte[] picture(int w, int h, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    byte[] rgb = new byte[w * h * 3];
    for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) for (int c = 0; c < 3; c++) {
      int v = (int) (127 + 100 * Math.sin((x * (c + 1) + y * 2) / 9.0)) + ((x / 7 + y / 5) % 2 == 0 ? 20 : -20) + r.nextInt(-8, 9);
      rgb[(y * w + x) * 3 + c] = (byte) Math.max(0, Math.min(255, v));
    }
    return rgb;
  }

  @Test
  void resizeCropAndScaleEqualPil() throws Exception {
    int[][] sizes = {{640, 360}, {360, 640}, {300, 300}, {100, 60}, {257, 1000}, {1280, 720}};
    for (int[] s : sizes) {
      byte[] rgb = picture(s[0], s[1], s[0] * 31L + s[1]);
      Path in = dir.resolve("in.rgb");
      Files.write(in, rgb);
      Path out = dir.resolve("out.f32");
      ReferencePython.run(dir, "preprocess_reference.py", in.toString(), String.valueOf(s[0]), String.valueOf(s[1]), "256", out.toString());
      float[] want = ReferencePython.floats(out);
      float[] got = Preprocess.frame(rgb, s[0], s[1], 256);
      assertEquals(256 * 256 * 3, want.length);
      assertArrayEquals(want, got, s[0] + "x" + s[1]);
    }
  }

  @Test
  void grayscaleAndAlphaImagesBecomeRgbAsPilConvertMakesThem() throws Exception {
    BufferedImage gray = new BufferedImage(40, 30, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < 30; y++) for (int x = 0; x < 40; x++) gray.getRaster().setSample(x, y, 0, (x * 6 + y) & 0xFF);
    Path g = dir.resolve("gray.png");
    ImageIO.write(gray, "png", g.toFile());
    DecodedFrame f = ImageFiles.read(g);
    assertEquals(40, f.width());
    int o = (7 * 40 + 9) * 3;
    assertEquals((9 * 6 + 7) & 0xFF, f.rgb()[o] & 0xFF);
    assertEquals(f.rgb()[o], f.rgb()[o + 1]);
    assertEquals(f.rgb()[o], f.rgb()[o + 2]);

    BufferedImage rgba = new BufferedImage(20, 10, BufferedImage.TYPE_INT_ARGB);
    rgba.setRGB(3, 4, 0x10_C0_80_40); // nearly transparent: the colour is kept, alpha dropped
    Path a = dir.resolve("alpha.png");
    ImageIO.write(rgba, "png", a.toFile());
    DecodedFrame fa = ImageFiles.read(a);
    int p = (4 * 20 + 3) * 3;
    assertEquals(0xC0, fa.rgb()[p] & 0xFF);
    assertEquals(0x80, fa.rgb()[p + 1] & 0xFF);
    assertEquals(0x40, fa.rgb()[p + 2] & 0xFF);
  }

  @Test
  void samplingPicksLwmsEvenlySpacedFramesOrARate() {
    // np.linspace(0, 99, 8, dtype=int)
    assertEquals(java.util.List.of(0L, 14L, 28L, 42L, 56L, 70L, 84L, 99L), Sampling.evenly(8, 0).frameNumbers(100, 25));
    assertEquals(java.util.List.of(0L, 1L, 2L), Sampling.evenly(8, 0).frameNumbers(3, 25));
    assertEquals(java.util.List.of(0L, 10L, 20L, 30L), Sampling.atFps(2.5, 0).frameNumbers(40, 25));
    assertEquals(java.util.List.of(0L, 10L), Sampling.atFps(2.5, 2).frameNumbers(40, 25));
    assertEquals(5, Sampling.every(5).frameNumbers(100, 25).size());
  }
}
