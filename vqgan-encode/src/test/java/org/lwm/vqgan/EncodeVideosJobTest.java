package org.lwm.vqgan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.testing.TestSpark;
import org.lwm.vqgan.frames.Sampling;
import org.lwm.vqgan.frames.VideoFrames;

/** videos → vision_tokens on Spark, with a tiny seeded model (16×16 codes from 64×64 frames) to keep it quick. */
class EncodeVideosJobTest {
  static final String MODEL = "random:7:tiny";
  static final int SIZE = 64; // the tiny model's 16×16 grid
  @TempDir Path dir;

  static final StructType VIDEOS = new StructType().add("video_id", DataTypes.StringType, false).add("uri", DataTypes.StringType, false);

  @Test
  void encodesEveryVideoOnceAndRejectsBrokenOnes() throws Exception {
    SparkSession spark = TestSpark.session();
    Lake lake = TestSpark.newLake();
    Path a = dir.resolve("a.mp4");
    TestVideos.record(a, "mp4", 80, 60, 10, 30);
    Path b = dir.resolve("b.mkv");
    TestVideos.record(b, "matroska", 48, 64, 25, 10);
    Path whole = dir.resolve("whole.mkv");
    TestVideos.record(whole, "matroska", 64, 48, 10, 100);
    byte[] bytes = Files.readAllBytes(whole);
    Path cut = dir.resolve("cut.mkv");
    Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
    Path text = dir.resolve("text.mp4");
    Files.writeString(text, "not a video");
    List<Row> videos = new ArrayList<>();
    for (String[] v : new String[][] {{"va", a.toUri().toString()}, {"vb", b.toUri().toString()}, {"vcut", cut.toUri().toString()}, {"vtext", text.toUri().toString()}}) {
      videos.add(RowFactory.create(v[0], v[1]));
    }
    lake.overwrite(spark.createDataFrame(videos, VIDEOS), Tables.VIDEOS);

    EncodeVideosJob.Settings settings = new EncodeVideosJob.Settings(MODEL, Sampling.evenly(3, 0), 2, SIZE, false);
    JobCounts counts = EncodeVideosJob.run(spark, lake, settings, TestSpark.config());
    counts.print(System.out);
    assertEquals(4, counts.get("videos"));
    assertEquals(2, counts.get("encoded"));
    assertEquals(2, counts.get("rejected"));
    assertEquals(6, counts.get("frames"));

    Map<String, Row> rows = new TreeMap<>();
    for (Row r : lake.read(spark, Tables.VISION_TOKENS).collectAsList()) rows.put(r.getString(0) + "#" + r.getInt(1), r);
    assertEquals(List.of("va#0", "va#1", "va#2", "vb#0", "vb#1", "vb#2"), new ArrayList<>(rows.keySet()));
    assertEquals(2.9, rows.get("va#2").getDouble(2), 0.051); // frames 0, 14, 29 of 30 at 10 fps
    assertEquals(1.4, rows.get("va#1").getDouble(2), 0.051);
    for (Row r : rows.values()) {
      List<Integer> codes = r.getList(3);
      assertEquals(256, codes.size());
      for (int c : codes) assertTrue(c >= 0 && c < 8192);
    }
    // the job's codes are what the model gives for those frames outside Spark
    List<int[]> local = new ArrayList<>();
    FrameEncoder enc = new FrameEncoder(VqganModels.get(MODEL), SIZE, 1, e -> local.add(e.codes()));
    VideoFrames.read(a.toString(), Sampling.evenly(3, 0), enc::add);
    enc.flush();
    for (int i = 0; i < 3; i++) {
      assertArrayEquals(local.get(i), rows.get("va#" + i).getList(3).stream().mapToInt(x -> (Integer) x).toArray(), "frame " + i);
    }
    assertTrue(Arrays.stream(local.get(0)).distinct().count() > 1, "a frame's codes are not all alike");

    Map<String, Row> rejects = new TreeMap<>();
    for (Row r : lake.read(spark, Tables.REJECTS).collectAsList()) rejects.put(Path.of(java.net.URI.create(r.getString(1))).getFileName().toString(), r);
    assertEquals("truncated", rejects.get("cut.mkv").getString(2), rejects.get("cut.mkv").getString(3));
    assertEquals("unreadable-video", rejects.get("text.mp4").getString(2));
    assertEquals(EncodeVideosJob.JOB, rejects.get("text.mp4").getString(0));
    Map<String, String> props = lake.properties(spark, Tables.VISION_TOKENS);
    assertEquals(MODEL, props.get(EncodeVideosJob.CHECKPOINT_PROPERTY));
    assertEquals("6", props.get("lwm." + EncodeVideosJob.JOB + ".frames"));
    assertTrue(props.containsKey("lwm.step.vqgan-encode-videos.fingerprint"), "the step's provenance is recorded: " + props.keySet());

    // again: nothing new is encoded and the table stays as it was; broken videos are tried again and stay rejected
    JobCounts again = EncodeVideosJob.run(spark, lake, settings, TestSpark.config());
    assertEquals(2, again.get("unchanged"));
    assertEquals(0, again.get("encoded"));
    assertEquals(6, lake.read(spark, Tables.VISION_TOKENS).count());
    assertEquals(2, lake.read(spark, Tables.REJECTS).count());

    // another sampling is refused unless --overwrite
    UserError e = assertThrows(UserError.class, () -> EncodeVideosJob.run(spark, lake,
        new EncodeVideosJob.Settings(MODEL, Sampling.evenly(2, 0), 2, SIZE, false), TestSpark.config()));
    assertTrue(e.getMessage().contains("--overwrite"), e.getMessage());
  }

  @Test
  void aCheckpointFileEntersTheFingerprintByItsVersion(@TempDir Path dir) throws Exception {
    SparkSession spark = TestSpark.session();
    EncodeVideosJob step = new EncodeVideosJob();
    assertEquals("", step.sourceVersion(spark, Config.of(Map.of(EncodeVideosJob.CHECKPOINT, MODEL))), "random:SEED is config alone");
    Path ck = dir.resolve("vqgan.pkl");
    Files.writeString(ck, "weights one");
    Config config = Config.of(Map.of(EncodeVideosJob.CHECKPOINT, ck.toString()));
    String before = step.sourceVersion(spark, config);
    Files.writeString(ck, "other weights, longer");
    assertNotEquals(before, step.sourceVersion(spark, config), "a changed checkpoint makes the step run again");
    UserError none = assertThrows(UserError.class, () -> EncodeVideosJob.settings(Config.empty()));
    assertTrue(none.getMessage().contains("--checkpoint") && none.getMessage().contains(EncodeVideosJob.CHECKPOINT), none.getMessage());
  }

  @Test
  void dl4jEngineWritesWhatTheJavaEngineWrites() throws Exception {
    SparkSession spark = TestSpark.session();
    Lake lake = TestSpark.newLake();
    Path a = dir.resolve("a.mp4");
    TestVideos.record(a, "mp4", 80, 60, 10, 30);
    Path b = dir.resolve("b.mkv");
    TestVideos.record(b, "matroska", 48, 64, 25, 10);
    Path text = dir.resolve("text.mp4");
    Files.writeString(text, "not a video");
    List<Row> videos = new ArrayList<>();
    for (String[] v : new String[][] {{"va", a.toUri().toString()}, {"vb", b.toUri().toString()}, {"vtext", text.toUri().toString()}}) {
      videos.add(RowFactory.create(v[0], v[1]));
    }
    lake.overwrite(spark.createDataFrame(videos, VIDEOS), Tables.VIDEOS);
    // batch 2 over 3 frames per video: DL4J's keyed inference runs a full batch and a partial one per partition
    EncodeVideosJob.Settings settings = new EncodeVideosJob.Settings(MODEL, Sampling.evenly(3, 0), 2, SIZE, false);
    Config dl4j = TestSpark.config().with("vqgan.engine", "dl4j");
    long t0 = System.nanoTime();
    JobCounts counts = EncodeVideosJob.run(spark, lake, settings, dl4j);
    System.out.printf("dl4j engine: %.1f s%n", (System.nanoTime() - t0) / 1e9);
    assertEquals(2, counts.get("encoded"));
    assertEquals(1, counts.get("rejected"));
    assertEquals(6, counts.get("frames"));
    assertEquals("dl4j", lake.properties(spark, Tables.VISION_TOKENS).get("lwm.vqgan-encode-videos.engine"));

    // the rows the Java engine writes (the test above holds the Java job to these): same keys, timestamps, codes
    Map<String, Row> rows = new TreeMap<>();
    for (Row r : lake.read(spark, Tables.VISION_TOKENS).collectAsList()) rows.put(r.getString(0) + "#" + r.getInt(1), r);
    assertEquals(List.of("va#0", "va#1", "va#2", "vb#0", "vb#1", "vb#2"), new ArrayList<>(rows.keySet()));
    int same = 0;
    int total = 0;
    for (String[] v : new String[][] {{"va", a.toString()}, {"vb", b.toString()}}) {
      List<FrameEncoder.Encoded> java = new ArrayList<>();
      FrameEncoder enc = new FrameEncoder(VqganModels.get(MODEL), SIZE, 2, java::add);
      VideoFrames.read(v[1], Sampling.evenly(3, 0), enc::add);
      enc.flush();
      for (FrameEncoder.Encoded e : java) {
        Row r = rows.get(v[0] + "#" + e.index());
        assertEquals(e.timestampS(), r.getDouble(2), 1e-9);
        List<Integer> codes = r.getList(3);
        assertEquals(256, codes.size());
        for (int i = 0; i < 256; i++, total++) if (codes.get(i) == e.codes()[i]) same++;
      }
    }
    // the tiny seeded model keeps Flax's ±1/8192 codebook init: a few codes are near-ties that float32 orders either way
    assertTrue(same >= total * 0.99, same + " of " + total + " codes agree between the dl4j and java engines");
    Row reject = lake.read(spark, Tables.REJECTS).collectAsList().get(0);
    assertEquals(List.of(EncodeVideosJob.JOB, text.toUri().toString(), "unreadable-video"), List.of(reject.getString(0), reject.getString(1), reject.getString(2)));

    // idempotent: a second run encodes nothing and leaves the table as it was
    JobCounts again = EncodeVideosJob.run(spark, lake, settings, dl4j);
    assertEquals(2, again.get("unchanged"));
    assertEquals(0, again.get("encoded"));
    assertEquals(6, lake.read(spark, Tables.VISION_TOKENS).count());

    UserError e = assertThrows(UserError.class, () -> EncodeVideosJob.run(spark, lake, settings, TestSpark.config().with("vqgan.engine", "torch")));
    assertEquals("vqgan.engine must be java or dl4j, got 'torch'", e.getMessage());
  }
}
