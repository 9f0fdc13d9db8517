package org.lwm.ingest.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.testing.TestSpark;

public class VideosJobTest {
  @TempDir Path dir;

  /** Records {@code frames} frames of a moving gradient with FFmpeg through JavaCV. */
  public static void record(Path file, String format, int w, int h, double fps, int frames) throws Exception {
    try (FFmpegFrameRecorder rec = new FFmpegFrameRecorder(file.toString(), w, h)) {
      rec.setFormat(format);
      rec.setVideoCodec(avcodec.AV_CODEC_ID_MPEG4);
      rec.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
      rec.setFrameRate(fps);
      rec.setGopSize(5);
      rec.start();
      Frame frame = new Frame(w, h, Frame.DEPTH_UBYTE, 3);
      for (int i = 0; i < frames; i++) {
        ByteBuffer buf = (ByteBuffer) frame.image[0];
        int stride = frame.imageStride;
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) for (int c = 0; c < 3; c++) {
          buf.put(y * stride + x * 3 + c, (byte) ((x * 4 + y * 2 + i * 9 + c * 60) & 0xFF));
        }
        rec.record(frame);
      }
      rec.stop();
    }
  }

  @Test
  void probesGoodVideosAndRejectsBrokenOnesWithFfmpegsReason() throws Exception {
    SparkSession spark = TestSpark.session();
    Lake lake = TestSpark.newLake();
    Path in = Files.createDirectories(dir.resolve("videos"));
    record(in.resolve("a.mp4"), "mp4", 64, 48, 10, 20);
    record(in.resolve("b.mkv"), "matroska", 80, 60, 25, 25);
    record(in.resolve("c.avi"), "avi", 32, 32, 5, 10);
    Files.copy(in.resolve("a.mp4"), in.resolve("copy-of-a.mp4"));
    Path long1 = dir.resolve("long.mp4");
    record(long1, "mp4", 64, 48, 10, 100);
    byte[] whole = Files.readAllBytes(long1);
    Files.write(in.resolve("truncated.mp4"), Arrays.copyOf(whole, whole.length / 2)); // the index (moov) is at the end: gone
    Path long2 = dir.resolve("long.mkv");
    record(long2, "matroska", 64, 48, 10, 100);
    whole = Files.readAllBytes(long2);
    Files.write(in.resolve("truncated.mkv"), Arrays.copyOf(whole, whole.length / 2)); // readable head, data stops early
    Files.write(in.resolve("empty.webm"), new byte[0]);
    Files.writeString(in.resolve("not-a-video.mov"), "this is text, not a QuickTime movie");
    Files.writeString(in.resolve("readme.txt"), "notes");
    Path captions = in.resolve("captions.jsonl");
    Files.writeString(captions, String.join("\n",
        "{\"file\": \"a.mp4\", \"caption\": \"a moving gradient\", \"qa\": [{\"question\": \"What moves?\", \"answer\": \"A gradient.\"}]}",
        "{\"file\": \"b.mkv\", \"captions\": [\"first\", \"second\"]}",
        "{\"file\": \"missing.mp4\", \"caption\": \"no such file\"}"));

    JobCounts counts = VideosJob.run(spark, lake, List.of(in.toString()), captions.toString(), TestSpark.config());
    counts.print(System.out);
    assertEquals(9, counts.get("seen"));
    assertEquals(3, counts.get("written"));
    assertEquals(1, counts.get("duplicates"));
    assertEquals(counts.get("seen"), counts.get("written") + counts.get("unchanged") + counts.get("duplicates") + counts.get("rejected"));

    Map<String, Row> byName = lake.read(spark, Tables.VIDEOS).collectAsList().stream()
        .collect(Collectors.toMap(r -> Captions.baseName(r.getAs("uri")), r -> r));
    assertEquals(Set3.of("a.mp4", "b.mkv", "c.avi"), new java.util.TreeSet<>(byName.keySet()));
    Row a = byName.get("a.mp4");
    assertEquals(64, (int) a.getAs("width"));
    assertEquals(48, (int) a.getAs("height"));
    assertEquals(10.0, (double) a.getAs("fps"), 0.01);
    assertEquals(20L, (long) a.getAs("n_frames"));
    assertEquals(2.0, (double) a.getAs("duration_s"), 0.15);
    assertEquals("mpeg4", a.getAs("codec"));
    assertEquals("a moving gradient", a.getAs("captions"));
    List<Row> qa = a.getList(a.fieldIndex("qa"));
    assertEquals("What moves?", qa.get(0).getString(0));
    assertEquals("A gradient.", qa.get(0).getString(1));
    assertEquals(sha256(in.resolve("a.mp4")), a.getAs("video_id"));
    Row b = byName.get("b.mkv");
    assertEquals(25L, (long) b.getAs("n_frames"));
    assertEquals(80, (int) b.getAs("width"));
    assertEquals("first\nsecond", b.getAs("captions"));
    assertNull(byName.get("c.avi").getAs("captions"));
    assertEquals(10L, (long) byName.get("c.avi").getAs("n_frames"));

    Map<String, Row> rejects = new TreeMap<>();
    for (Row r : lake.read(spark, Tables.REJECTS).collectAsList()) rejects.put(Captions.baseName(r.getString(1)), r);
    assertEquals("unreadable-video", rejects.get("truncated.mp4").getString(2));
    assertTrue(rejects.get("truncated.mp4").getString(3).contains("moov atom not found"), rejects.get("truncated.mp4").getString(3));
    assertEquals("truncated", rejects.get("truncated.mkv").getString(2), rejects.get("truncated.mkv").getString(3));
    assertEquals("empty", rejects.get("empty.webm").getString(2));
    assertEquals("unreadable-video", rejects.get("not-a-video.mov").getString(2));
    assertEquals("unsupported-format", rejects.get("readme.txt").getString(2));
    assertEquals("duplicate-of:" + sha256(in.resolve("a.mp4")), rejects.get("copy-of-a.mp4").getString(2));
    assertEquals("caption-without-video", rejects.get("captions.jsonl#L3").getString(2));

    JobCounts again = VideosJob.run(spark, lake, List.of(in.toString()), captions.toString(), TestSpark.config());
    assertEquals(0, again.get("written"));
    assertEquals(3, again.get("unchanged"));
    assertEquals(3, lake.read(spark, Tables.VIDEOS).count());
  }

  static String sha256(Path p) throws Exception {
    return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
  }

  /** A sorted set literal. */
  static final class Set3 {
    static java.util.TreeSet<String> of(String... s) {
      return new java.util.TreeSet<>(Arrays.asList(s));
    }
  }
}
