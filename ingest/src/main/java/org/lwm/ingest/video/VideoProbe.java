package org.lwm.ingest.video;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FrameGrabber;
import org.bytedeco.ffmpeg.avutil.LogCallback;
import org.bytedeco.javacpp.BytePointer;

/**
 * What FFmpeg says about one video file (through JavaCV): duration, frame rate, size, codec, and the number
 * of video frames, counted by reading every packet of the video stream (no decoding). A file FFmpeg cannot
 * open, one without a video stream, and one whose packets end before the container's declared frame count
 * or duration (a truncated file) are failures with FFmpeg's reason.
 */
public final class VideoProbe {
  private static final Pattern ERROR_CODE = Pattern.compile("error (-?\\d+)");

  /** FFmpeg's own error lines ("moov atom not found") for the probe running on this thread. */
  private static final ThreadLocal<StringBuilder> CAPTURE = new ThreadLocal<>();
  private static final LogCallback LOG = new LogCallback() {
    @Override
    public void call(int level, BytePointer msg) {
      String line = msg.getString().strip();
      StringBuilder sb = CAPTURE.get();
      if (sb != null && level <= avutil.AV_LOG_ERROR) {
        if (sb.length() > 0) sb.append("; ");
        sb.append(line);
      } else if (sb == null && level <= avutil.av_log_get_level()) {
        System.err.println("ffmpeg: " + line);
      }
    }
  };

  static {
    // FFmpeg prints every opened file's streams at INFO; a job probing thousands keeps errors only
    avutil.av_log_set_level(avutil.AV_LOG_ERROR);
    avutil.setLogCallback(LOG);
  }

  private VideoProbe() {}

  /** The probe's answer: either the facts or a reject reason and FFmpeg's words. */
  public record Result(double durationS, double fps, int width, int height, String codec, long nFrames,
                       String reason, String detail) implements java.io.Serializable {
    public boolean ok() {
      return reason == null;
    }

    static Result fail(String reason, String detail) {
      return new Result(0, 0, 0, 0, null, 0, reason, detail);
    }
  }

  public static Result probe(String localPath) {
    CAPTURE.set(new StringBuilder());
    try {
      Result r = probeFile(localPath);
      String said = CAPTURE.get().toString();
      if (r.ok() || said.isEmpty()) return r;
      return Result.fail(r.reason(), r.detail() + " (FFmpeg: " + said + ")");
    } finally {
      CAPTURE.remove();
    }
  }

  private static Result probeFile(String localPath) {
    FFmpegFrameGrabber g = new FFmpegFrameGrabber(localPath);
    try {
      g.start();
    } catch (FrameGrabber.Exception e) {
      closeQuietly(g);
      return Result.fail("unreadable-video", ffmpegReason(e));
    }
    try {
      AVFormatContext oc = g.getFormatContext();
      int video = -1;
      for (int i = 0; i < oc.nb_streams(); i++) {
        if (oc.streams(i).codecpar().codec_type() == avutil.AVMEDIA_TYPE_VIDEO) {
          video = i;
          break;
        }
      }
      if (video < 0 || g.getImageWidth() <= 0) return Result.fail("no-video-stream", "FFmpeg finds no video stream in the file");
      AVStream st = oc.streams(video);
      long declared = st.nb_frames();
      double fps = g.getFrameRate();
      double duration = g.getLengthInTime() / 1e6;
      long frames = 0;
      long lastPts = Long.MIN_VALUE;
      AVPacket pkt;
      try {
        while ((pkt = g.grabPacket()) != null) {
          if (pkt.stream_index() == video) {
            frames++;
            if (pkt.pts() != avutil.AV_NOPTS_VALUE) lastPts = Math.max(lastPts, pkt.pts() + Math.max(0, pkt.duration()));
          }
          avcodec.av_packet_unref(pkt);
        }
      } catch (FrameGrabber.Exception e) {
        return Result.fail("truncated", "reading packets failed after " + frames + " frames: " + ffmpegReason(e));
      }
      if (frames == 0) return Result.fail("truncated", "no video packets can be read (FFmpeg: end of data before the first frame)");
      if (declared > 0 && frames < declared) {
        return Result.fail("truncated", "only " + frames + " of the " + declared + " frames the container declares can be read");
      }
      if (lastPts != Long.MIN_VALUE && duration > 0) {
        double readS = lastPts * avutil.av_q2d(st.time_base()) - Math.max(0, st.start_time() == avutil.AV_NOPTS_VALUE ? 0 : st.start_time() * avutil.av_q2d(st.time_base()));
        // packets covering clearly less than the stated duration: the data stops early
        if (readS < duration * 0.9 - 2.0 / Math.max(1, fps)) {
          return Result.fail("truncated", String.format("packets end at %.2f s of a stated %.2f s", readS, duration));
        }
      }
      return new Result(duration, fps, g.getImageWidth(), g.getImageHeight(), g.getVideoCodecName(), frames, null, null);
    } finally {
      closeQuietly(g);
    }
  }

  /** JavaCV's message plus FFmpeg's text for the error code it carries. */
  static String ffmpegReason(Exception e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().replace('\n', ' ');
    Matcher code = ERROR_CODE.matcher(m);
    if (code.find()) {
      byte[] buf = new byte[256];
      avutil.av_strerror(Integer.parseInt(code.group(1)), buf, buf.length);
      int n = 0;
      while (n < buf.length && buf[n] != 0) n++;
      String text = new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8);
      if (!text.isBlank()) m = m + " [" + text + "]";
    }
    return m;
  }

  private static void closeQuietly(FFmpegFrameGrabber g) {
    try {
      g.close();
    } catch (Exception ignored) {
      // nothing to keep from a grabber being released
    }
  }
}
