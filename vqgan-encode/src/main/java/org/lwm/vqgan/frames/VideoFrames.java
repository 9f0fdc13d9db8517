package org.lwm.vqgan.frames;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

/**
 * Decodes the sampled frames of one video with FFmpeg (JavaCV's FFmpegFrameGrabber) as 8-bit RGB. Frames are
 * read in order; when the next wanted frame is further ahead than {@link #SEEK_AHEAD} frames, the grabber
 * seeks (to the keyframe before it, then decodes up to it) instead of decoding everything in between. Each
 * frame's timestamp is FFmpeg's. Failures are a {@link Failure} with a reason and FFmpeg's words: unreadable
 * (the container does not open), no video stream, no frames, corrupt (decoding stops with an error) or
 * truncated (the frames end well before the stated length).
 */
public final class VideoFrames {
  static final int SEEK_AHEAD = 48;
  private static final Pattern ERROR_CODE = Pattern.compile("error (-?\\d+)");

  static {
    avutil.av_log_set_level(avutil.AV_LOG_ERROR); // FFmpeg prints every opened stream at INFO otherwise
  }

  private VideoFrames() {}

  /** Why a video gave no (or not all its) frames. */
  public static final class Failure extends Exception {
    public final String reason;

    public Failure(String reason, String detail) {
      super(detail);
      this.reason = reason;
    }
  }

  /** Facts of an opened video. */
  public record Info(double durationS, double fps, long nFrames, int width, int height) {}

  /**
   * Decodes the frames {@code sampling} picks from the video at {@code path} and hands them to {@code sink} in
   * order; returns what FFmpeg said about the video.
   */
  public static Info read(String path, Sampling sampling, Consumer<DecodedFrame> sink) throws Failure {
    FFmpegFrameGrabber g = new FFmpegFrameGrabber(path);
    g.setPixelFormat(avutil.AV_PIX_FMT_RGB24);
    try {
      g.start();
    } catch (FrameGrabber.Exception e) {
      close(g);
      throw new Failure("unreadable-video", ffmpegReason(e));
    }
    try {
      if (!g.hasVideo() || g.getImageWidth() <= 0) throw new Failure("no-video-stream", "FFmpeg finds no video stream in the file");
      double fps = g.getFrameRate();
      double duration = g.getLengthInTime() / 1e6;
      long n = g.getLengthInVideoFrames();
      if (n <= 0 && duration > 0 && fps > 0) n = Math.round(duration * fps);
      if (n <= 0) n = Long.MAX_VALUE; // unknown: read until the end
      Info info = new Info(duration, fps, n == Long.MAX_VALUE ? -1 : n, g.getImageWidth(), g.getImageHeight());
      List<Long> wanted = sampling.frameNumbers(n == Long.MAX_VALUE ? Integer.MAX_VALUE : n, fps);
      long next = 0; // frame number the grabber delivers next
      long lastDecoded = -1;
      int taken = 0;
      boolean ended = false;
      for (long target : wanted) {
        Frame f = null;
        if (target - next > SEEK_AHEAD && fps > 0) {
          g.setVideoFrameNumber((int) target);
          f = g.grabImage();
          next = target + 1;
        } else {
          while (next <= target) {
            f = g.grabImage();
            next++;
            if (f == null) break;
          }
        }
        if (f == null || f.image == null) {
          ended = true;
          break;
        }
        lastDecoded = target;
        sink.accept(new DecodedFrame(taken++, f.timestamp / 1e6, f.imageWidth, f.imageHeight, rgb(f)));
        if (n == Long.MAX_VALUE && sampling.maxFrames() > 0 && taken >= sampling.maxFrames()) break;
      }
      if (taken == 0) throw new Failure("no-frames", "FFmpeg decodes no video frame from the file");
      // a stated frame count is often estimated from duration × rate: ending within 2% of it is the end, not a cut
      if (ended && n != Long.MAX_VALUE && lastDecoded < n * 0.98 - 2) {
        throw new Failure("truncated", "frames end after frame " + lastDecoded + "; " + taken + " of the " + wanted.size() + " sampled frames decoded (the container states "
            + n + " frames, " + String.format("%.2f", duration) + " s)");
      }
      return info;
    } catch (FrameGrabber.Exception e) {
      throw new Failure("corrupt", ffmpegReason(e));
    } finally {
      close(g);
    }
  }

  /** Tightly packed RGB bytes of a grabbed frame (its rows may be padded). */
  static byte[] rgb(Frame f) {
    int w = f.imageWidth;
    int h = f.imageHeight;
    ByteBuffer buf = (ByteBuffer) f.image[0];
    byte[] out = new byte[w * h * 3];
    int stride = f.imageStride;
    for (int y = 0; y < h; y++) buf.get(y * stride, out, y * w * 3, w * 3);
    return out;
  }

  /** JavaCV's message plus FFmpeg's text for the error code it carries. */
  static String ffmpegReason(Exception e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().replace('\n', ' ');
    Matcher code = ERROR_CODE.matcher(m);
    if (code.find()) {
      byte[] buf = new byte[256];
      avutil.av_strerror(Integer.parseInt(code.group(1)), buf, buf.length);
      int len = 0;
      while (len < buf.length && buf[len] != 0) len++;
      String text = new String(buf, 0, len, java.nio.charset.StandardCharsets.UTF_8);
      if (!text.isBlank()) m = m + " [" + text + "]";
    }
    return m;
  }

  private static void close(FFmpegFrameGrabber g) {
    try {
      g.close();
    } catch (Exception ignored) {
      // nothing to keep from a grabber being released
    }
  }
}
