package org.lwm.vqgan;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.vqgan.frames.Sampling;

/**
 * Makes the embedded sample's three clips (samples/videos: moving shapes, a seven-segment counter, a bouncing ball;
 * 160×120, 20 frames at 10 fps, MPEG-4) with FFmpeg through JavaCV, and their captions/QA sidecar. Run by
 * samples/make-sample.sh; the demo only reads the committed files. Test scope: a fixture, not production code.
 */
public final class SampleClips {
  private SampleClips() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "samples/videos");
    System.setProperty("java.awt.headless", "true");
    avutil.av_log_set_level(avutil.AV_LOG_ERROR); // the recorder prints every stream at INFO otherwise
    Files.createDirectories(dir);
    clip(dir.resolve("shapes.mp4"), 0);
    clip(dir.resolve("counter.mp4"), 1);
    clip(dir.resolve("bounce.mp4"), 2);
    Files.writeString(dir.resolve("captions.jsonl"), String.join("\n",
        "{\"file\": \"shapes.mp4\", \"caption\": \"Coloured shapes drift across a dark background.\","
            + " \"qa\": [{\"question\": \"What moves in the video?\", \"answer\": \"Coloured shapes.\"}]}",
        "{\"file\": \"counter.mp4\", \"caption\": \"A seven-segment display counts upwards.\","
            + " \"qa\": [{\"question\": \"What does the display do?\", \"answer\": \"It counts upwards.\"}]}",
        "{\"file\": \"bounce.mp4\", \"caption\": \"A ball bounces around the frame.\","
            + " \"qa\": [{\"question\": \"What bounces?\", \"answer\": \"A ball.\"}]}") + "\n");
    System.out.println("wrote " + dir + ": shapes.mp4, counter.mp4, bounce.mp4, captions.jsonl");
  }

  private static void clip(Path file, int kind) throws IOException {
    if (Files.exists(file)) return;
    int w = 160;
    int h = 120;
    int frames = 20;
    Path tmp = file.resolveSibling(file.getFileName() + ".part.mp4");
    try (FFmpegFrameRecorder rec = new FFmpegFrameRecorder(tmp.toString(), w, h)) {
      rec.setFormat("mp4");
      rec.setVideoCodec(avcodec.AV_CODEC_ID_MPEG4);
      rec.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
      rec.setFrameRate(10);
      rec.setVideoBitrate(400_000);
      rec.start();
      BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
      Frame frame = new Frame(w, h, Frame.DEPTH_UBYTE, 3);
      for (int i = 0; i < frames; i++) {
        Graphics2D g = im.createGraphics();
        draw(g, kind, i, w, h);
        g.dispose();
        byte[] bgr = ((DataBufferByte) im.getRaster().getDataBuffer()).getData();
        ByteBuffer buf = (ByteBuffer) frame.image[0];
        for (int y = 0; y < h; y++) buf.put(y * frame.imageStride, bgr, y * w * 3, w * 3);
        rec.record(frame);
      }
      rec.stop();
    }
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  private static void draw(Graphics2D g, int kind, int i, int w, int h) {
    g.setColor(new Color(20 + 4 * i, 40, 90));
    g.fillRect(0, 0, w, h);
    switch (kind) {
      case 0 -> {
        g.setColor(Color.ORANGE);
        g.fillOval(10 + i * 6, 30, 30, 30);
        g.setColor(Color.GREEN);
        g.fillRect(w - 40 - i * 5, 70, 28, 28);
      }
      case 1 -> {
        g.setColor(Color.WHITE);
        digit(g, i / 10, 40, 30);
        digit(g, i % 10, 90, 30);
      }
      default -> {
        int y = (int) (h - 25 - Math.abs(Math.sin(i * Math.PI / 8)) * (h - 40));
        g.setColor(Color.RED);
        g.fillOval(20 + i * 5, y, 20, 20);
      }
    }
  }

  /** A seven-segment digit (no fonts needed on a headless machine). */
  private static void digit(Graphics2D g, int d, int x, int y) {
    int[] segs = {0b1111110, 0b0110000, 0b1101101, 0b1111001, 0b0110011, 0b1011011, 0b1011111, 0b1110000, 0b1111111, 0b1111011};
    int s = segs[d];
    int l = 24;
    int t = 5;
    if ((s & 0b1000000) != 0) g.fillRect(x, y, l, t);               // a: top
    if ((s & 0b0100000) != 0) g.fillRect(x + l - t, y, t, l);       // b: top right
    if ((s & 0b0010000) != 0) g.fillRect(x + l - t, y + l, t, l);   // c: bottom right
    if ((s & 0b0001000) != 0) g.fillRect(x, y + 2 * l - t, l, t);   // d: bottom
    if ((s & 0b0000100) != 0) g.fillRect(x, y + l, t, l);           // e: bottom left
    if ((s & 0b0000010) != 0) g.fillRect(x, y, t, l);               // f: top left
    if ((s & 0b0000001) != 0) g.fillRect(x, y + l - t / 2, l, t);   // g: middle
  }
}
