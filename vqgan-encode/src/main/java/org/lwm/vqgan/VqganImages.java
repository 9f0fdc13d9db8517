package org.lwm.vqgan;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.lwm.core.cli.UserError;
import org.lwm.vqgan.model.FeatureMap;
import org.lwm.vqgan.model.Vqgan;

/**
 * VQGAN codes back to pictures: grids of codes (row-major, 16×16 for LWM's frames) looked up in the codebook and run
 * through the decoder ({@link Vqgan#decode}), the [−1, 1] pixels turned into 8-bit RGB, written as PNGs. The one
 * way the project turns codes into images: {@code vqgan decode}, reports and {@code generate image|video} use it.
 */
public final class VqganImages {
  private VqganImages() {}

  /**
   * The VQGAN a spec names, its decoder built now so a checkpoint without one fails before any work: a file (path,
   * file://, s3a://, hdfs://) or {@code random:SEED[:small|:tiny]}; {@code option} names the flag in the errors.
   */
  public static Vqgan load(String spec, String option) {
    if (spec == null || spec.isBlank()) throw new UserError(option + " is empty: pass LWM's VQGAN checkpoint (.pkl or .safetensors) or random:SEED");
    String uri = VqganModels.uri(spec);
    if (uri.startsWith("file:") && !Files.isRegularFile(Path.of(java.net.URI.create(uri)))) {
      throw new UserError(option + " " + spec + " does not exist or is not a file: pass LWM's VQGAN checkpoint (.pkl or .safetensors) or random:SEED");
    }
    Vqgan model = new Vqgan(VqganModels.checkpoint(spec, null, true));
    model.decoder();
    return model;
  }

  /** Each grid (side×side codes, row-major) decoded, in batches of {@code batch}. */
  public static List<BufferedImage> decode(Vqgan model, List<int[]> codes, int batch) {
    List<BufferedImage> out = new ArrayList<>();
    if (codes.isEmpty()) return out;
    int side = (int) Math.round(Math.sqrt(codes.get(0).length));
    int book = model.config().numEmbeddings();
    for (int i = 0; i < codes.size(); i++) {
      int[] c = codes.get(i);
      if (c.length != side * side) throw new UserError("frame " + i + " has " + c.length + " codes, not a " + side + "x" + side + " grid");
      for (int v : c) if (v < 0 || v >= book) throw new UserError("frame " + i + ": code " + v + " is outside the codebook (0…" + (book - 1) + ")");
    }
    for (int from = 0; from < codes.size(); from += batch) {
      int n = Math.min(batch, codes.size() - from);
      FeatureMap images = model.decode(codes.subList(from, from + n).toArray(new int[0][]), side);
      for (int i = 0; i < n; i++) out.add(image(images, i));
    }
    return out;
  }

  /** Image {@code i} of a batch in [−1, 1] as 8-bit RGB, (x + 1)·127.5 rounded and clamped. */
  public static BufferedImage image(FeatureMap images, int i) {
    BufferedImage im = new BufferedImage(images.w, images.h, BufferedImage.TYPE_INT_RGB);
    int base = i * images.h * images.w * 3;
    for (int y = 0; y < images.h; y++) {
      for (int x = 0; x < images.w; x++) {
        int o = base + (y * images.w + x) * 3;
        im.setRGB(x, y, (px(images.data[o]) << 16) | (px(images.data[o + 1]) << 8) | px(images.data[o + 2]));
      }
    }
    return im;
  }

  private static int px(float v) {
    return Math.max(0, Math.min(255, Math.round((v + 1f) * 127.5f)));
  }

  /** Writes a PNG, creating its folder; a failure is one line naming the file. */
  public static void writePng(BufferedImage image, Path file) {
    try {
      if (file.getParent() != null) Files.createDirectories(file.getParent());
      if (!ImageIO.write(image, "png", file.toFile())) throw new IOException("no PNG writer");
    } catch (IOException e) {
      throw new UserError("cannot write " + file + ": " + e.getMessage());
    }
  }
}
