package org.lwm.vqgan.model;

/**
 * A batch of feature maps in NHWC order (batch, height, width, channels), float32, one flat array: the
 * layout of LWM's Flax VQGAN, and the one in which a pixel's channels are contiguous (so a 3×3 window is
 * nine contiguous runs, which is what the convolution's im2col copies).
 */
public final class FeatureMap {
  public final int n;
  public final int h;
  public final int w;
  public final int c;
  public final float[] data;

  public FeatureMap(int n, int h, int w, int c) {
    this(n, h, w, c, new float[checkedSize(n, h, w, c)]);
  }

  public FeatureMap(int n, int h, int w, int c, float[] data) {
    if (data.length != checkedSize(n, h, w, c)) {
      throw new IllegalArgumentException("feature map " + n + "x" + h + "x" + w + "x" + c + " needs " + checkedSize(n, h, w, c) + " floats, got " + data.length);
    }
    this.n = n;
    this.h = h;
    this.w = w;
    this.c = c;
    this.data = data;
  }

  private static int checkedSize(int n, int h, int w, int c) {
    long size = (long) n * h * w * c;
    if (size > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("feature map too large: " + n + "x" + h + "x" + w + "x" + c + " (lower the batch size)");
    return (int) size;
  }

  /** Number of pixels over the whole batch. */
  public int pixels() {
    return n * h * w;
  }

  /** One image of the batch as its own map (a copy). */
  public FeatureMap image(int i) {
    int size = h * w * c;
    float[] out = new float[size];
    System.arraycopy(data, i * size, out, 0, size);
    return new FeatureMap(1, h, w, c, out);
  }

  /** Several single images stacked into one batch. */
  public static FeatureMap stack(java.util.List<FeatureMap> images) {
    FeatureMap first = images.get(0);
    FeatureMap out = new FeatureMap(images.size(), first.h, first.w, first.c);
    int size = first.h * first.w * first.c;
    for (int i = 0; i < images.size(); i++) {
      FeatureMap im = images.get(i);
      if (im.h != first.h || im.w != first.w || im.c != first.c || im.n != 1) throw new IllegalArgumentException("images of different shapes cannot be stacked");
      System.arraycopy(im.data, 0, out.data, i * size, size);
    }
    return out;
  }
}
