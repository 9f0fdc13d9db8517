package org.lwm.vqgan;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.lwm.vqgan.frames.DecodedFrame;
import org.lwm.vqgan.frames.Preprocess;
import org.lwm.vqgan.model.FeatureMap;
import org.lwm.vqgan.model.VqganEngine;

/**
 * Frames in, codes out, in batches: each frame is preprocessed as LWM does (shorter side to {@code size},
 * centre crop, [−1, 1]) and held until {@code batch} frames are ready (or {@link #flush}), then the batch is
 * encoded in one pass, which keeps the small late layers' matrix products wide enough for every core.
 */
public final class FrameEncoder {
  /** One encoded frame. */
  public record Encoded(int index, double timestampS, int[] codes) {}

  private final VqganEngine model;
  private final int size;
  private final int batch;
  private final Consumer<Encoded> sink;
  private final List<float[]> pixels = new ArrayList<>();
  private final List<DecodedFrame> frames = new ArrayList<>();
  private long encoded;

  public FrameEncoder(VqganEngine model, int size, int batch, Consumer<Encoded> sink) {
    this.model = model;
    this.size = size;
    this.batch = Math.max(1, batch);
    this.sink = sink;
  }

  public void add(DecodedFrame f) {
    pixels.add(Preprocess.frame(f.rgb(), f.width(), f.height(), size));
    frames.add(new DecodedFrame(f.index(), f.timestampS(), 0, 0, null)); // the pixels are not needed any more
    if (pixels.size() >= batch) flush();
  }

  public void flush() {
    if (pixels.isEmpty()) return;
    float[] data = new float[pixels.size() * size * size * 3];
    for (int i = 0; i < pixels.size(); i++) System.arraycopy(pixels.get(i), 0, data, i * size * size * 3, size * size * 3);
    int[][] codes = model.encode(new FeatureMap(pixels.size(), size, size, 3, data));
    for (int i = 0; i < codes.length; i++) sink.accept(new Encoded(frames.get(i).index(), frames.get(i).timestampS(), codes[i]));
    encoded += codes.length;
    pixels.clear();
    frames.clear();
  }

  public long encoded() {
    return encoded;
  }
}
