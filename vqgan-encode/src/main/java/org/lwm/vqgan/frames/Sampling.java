package org.lwm.vqgan.frames;

import java.util.ArrayList;
import java.util.List;

/**
 * Which frames of a video to encode: every frame, frames at a target rate ({@code fps}), or {@code count}
 * evenly spaced frames (LWM's choice: indices {@code linspace(0, n−1, count)} truncated, all frames when
 * there are no more than {@code count}); never more than {@code maxFrames}.
 */
public record Sampling(double fps, int count, int maxFrames) implements java.io.Serializable {
  public static Sampling every(int maxFrames) {
    return new Sampling(0, 0, maxFrames);
  }

  public static Sampling atFps(double fps, int maxFrames) {
    if (!(fps > 0)) throw new IllegalArgumentException("fps must be positive");
    return new Sampling(fps, 0, maxFrames);
  }

  public static Sampling evenly(int count, int maxFrames) {
    if (count <= 0) throw new IllegalArgumentException("frame count must be positive");
    return new Sampling(0, count, maxFrames);
  }

  /**
   * Frame numbers to take from a video of {@code nFrames} frames at {@code videoFps} (either may be unknown,
   * ≤ 0, for the fps mode only if the other is known), ascending.
   */
  public List<Long> frameNumbers(long nFrames, double videoFps) {
    List<Long> out = new ArrayList<>();
    int cap = maxFrames > 0 ? maxFrames : Integer.MAX_VALUE;
    if (count > 0) {
      if (nFrames <= count) {
        for (long i = 0; i < nFrames && out.size() < cap; i++) out.add(i);
      } else {
        for (int i = 0; i < count && out.size() < cap; i++) {
          long f = (long) ((double) (nFrames - 1) * i / (count - 1 == 0 ? 1 : count - 1));
          if (count == 1) f = 0;
          out.add(f);
        }
      }
    } else if (fps > 0 && videoFps > 0) {
      double step = videoFps / fps; // source frames per sample
      long last = -1;
      for (int k = 0; out.size() < cap; k++) {
        long f = (long) Math.floor(k * step + 1e-9);
        if (f >= nFrames) break;
        if (f != last) out.add(f);
        last = f;
      }
    } else {
      for (long i = 0; i < nFrames && out.size() < cap; i++) out.add(i);
    }
    return out;
  }

  public String describe() {
    String cap = maxFrames > 0 ? ", at most " + maxFrames : "";
    if (count > 0) return count + " evenly spaced frames" + cap;
    if (fps > 0) return fps + " frames/s" + cap;
    return "every frame" + cap;
  }
}
