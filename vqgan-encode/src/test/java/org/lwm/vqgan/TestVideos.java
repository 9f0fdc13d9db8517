package org.lwm.vqgan;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

/** Short videos made with FFmpeg for the tests: a square moving over a gradient, its brightness the frame number. */
final class TestVideos {
  private TestVideos() {}

  static void record(Path file, String format, int w, int h, double fps, int frames) throws Exception {
    try (FFmpegFrameRecorder rec = new FFmpegFrameRecorder(file.toString(), w, h)) {
      rec.setFormat(format);
      rec.setVideoCodec(avcodec.AV_CODEC_ID_MPEG4);
      rec.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
      rec.setFrameRate(fps);
      rec.setVideoQuality(2);
      rec.setGopSize(10);
      rec.start();
      Frame frame = new Frame(w, h, Frame.DEPTH_UBYTE, 3);
      for (int i = 0; i < frames; i++) {
        ByteBuffer buf = (ByteBuffer) frame.image[0];
        int stride = frame.imageStride;
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) {
          boolean square = Math.abs(x - (i * 3) % w) < 6 && Math.abs(y - h / 2) < 6;
          for (int c = 0; c < 3; c++) buf.put(y * stride + x * 3 + c, (byte) (square ? (i * 2) & 0xFF : (x * 3 + y + c * 40) & 0xFF));
        }
        rec.record(frame);
      }
      rec.stop();
    }
  }
}
