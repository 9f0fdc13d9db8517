package org.lwm.vqgan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.vqgan.frames.DecodedFrame;
import org.lwm.vqgan.frames.Sampling;
import org.lwm.vqgan.frames.VideoFrames;

class VideoFramesTest {
  @TempDir Path dir;

  @Test
  void seekingGivesTheSameFramesAsDecodingEverything() throws Exception {
    Path v = dir.resolve("long.mp4");
    TestVideos.record(v, "mp4", 64, 48, 10, 120);
    List<DecodedFrame> all = new ArrayList<>();
    VideoFrames.Info info = VideoFrames.read(v.toString(), Sampling.every(0), all::add);
    assertEquals(120, all.size());
    assertEquals(10.0, info.fps(), 0.01);
    List<DecodedFrame> sparse = new ArrayList<>();
    VideoFrames.read(v.toString(), Sampling.evenly(4, 0), sparse::add); // frames 0, 39, 79, 119: two of them by seeking
    assertEquals(4, sparse.size());
    int[] want = {0, 39, 79, 119};
    for (int i = 0; i < 4; i++) {
      assertEquals(i, sparse.get(i).index());
      assertEquals(want[i] / 10.0, sparse.get(i).timestampS(), 0.051, "frame " + want[i]);
      assertArrayEquals(all.get(want[i]).rgb(), sparse.get(i).rgb(), "pixels of frame " + want[i]);
    }
    List<DecodedFrame> rate = new ArrayList<>();
    VideoFrames.read(v.toString(), Sampling.atFps(2, 5), rate::add);
    assertEquals(5, rate.size());
    assertEquals(2.0, rate.get(4).timestampS(), 0.051);
  }

  @Test
  void brokenVideosFailWithFfmpegsReason() throws Exception {
    Path text = dir.resolve("text.mp4");
    Files.writeString(text, "not a video");
    VideoFrames.Failure f = assertThrows(VideoFrames.Failure.class, () -> VideoFrames.read(text.toString(), Sampling.every(0), x -> {}));
    assertEquals("unreadable-video", f.reason);
    assertTrue(f.getMessage().contains("avformat_open_input"), f.getMessage());

    Path whole = dir.resolve("whole.mkv");
    TestVideos.record(whole, "matroska", 64, 48, 10, 100);
    byte[] b = Files.readAllBytes(whole);
    Path cut = dir.resolve("cut.mkv");
    Files.write(cut, Arrays.copyOf(b, b.length / 2));
    VideoFrames.Failure t = assertThrows(VideoFrames.Failure.class, () -> VideoFrames.read(cut.toString(), Sampling.evenly(3, 0), x -> {}));
    assertEquals("truncated", t.reason, t.getMessage());
  }
}
