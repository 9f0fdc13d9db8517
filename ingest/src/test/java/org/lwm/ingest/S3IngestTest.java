package org.lwm.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.spark.SparkSessions;
import org.lwm.core.testing.S3Server;
import org.lwm.core.testing.TestSpark;
import org.lwm.ingest.chat.ChatJob;
import org.lwm.ingest.video.VideosJob;
import org.lwm.ingest.video.VideosJobTest;

/** Inputs and lake both on s3a:// (s3proxy on loopback): books from a tar.gz and a jsonl.zst, chat, videos. */
class S3IngestTest {
  @TempDir Path dir;

  @Test
  void booksChatAndVideosFromS3IntoALakeOnS3() throws Exception {
    S3Server s3 = S3Server.get();
    s3.createBucket("ingest");
    SparkSession spark = TestSpark.session();
    Config cfg = s3.config(TestSpark.config());
    SparkSessions.applyS3a(spark, cfg);
    Lake lake = Lake.of("s3a://ingest/lake");

    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("books3/one.txt", TestData.utf8(TestData.book(21, 900)));
    entries.put("books3/two.txt", TestData.utf8(TestData.book(22, 900)));
    entries.put("../escape.txt", TestData.utf8(TestData.book(23, 900)));
    put(spark, "s3a://ingest/in/books/books3.tar.gz", TestData.tar(entries, true));
    put(spark, "s3a://ingest/in/books/pile.jsonl.zst", TestData.zstd(
        TestData.pile(TestData.book(24, 700), "Pile One") + "\n" + TestData.pile(TestData.book(22, 900), "copy of two") + "\n"));

    JobCounts books = BooksJob.run(spark, lake, List.of("s3a://ingest/in/books"), cfg);
    books.print(System.out);
    assertEquals(5, books.get("seen"));
    assertEquals(3, books.get("books_written"));
    assertEquals(1, books.get("duplicates"));
    assertEquals(1, books.get("rejected.unsafe-path"));
    assertEquals(3, lake.read(spark, Tables.BOOKS).count());
    assertTrue(lake.read(spark, Tables.BOOKS).where("title = 'Pile One'").count() == 1);
    JobCounts again = BooksJob.run(spark, lake, List.of("s3a://ingest/in/books"), cfg);
    assertEquals(0, again.get("books_written"));
    assertEquals(3, again.get("unchanged"));

    put(spark, "s3a://ingest/in/chat/ultrachat.jsonl.zst",
        TestData.zstd("{\"id\": \"1\", \"data\": [\"Where is the lake?\", \"On S3.\"]}\n"));
    JobCounts chat = ChatJob.run(spark, lake, List.of("s3a://ingest/in/chat"), "ultrachat", cfg);
    assertEquals(1, chat.get("written"));
    assertEquals(1, lake.read(spark, Tables.CHAT).count());

    Path mp4 = dir.resolve("clip.mp4");
    VideosJobTest.record(mp4, "mp4", 64, 48, 10, 10);
    byte[] bytes = Files.readAllBytes(mp4);
    put(spark, "s3a://ingest/in/videos/clip.mp4", bytes);
    put(spark, "s3a://ingest/in/videos/cut.mp4", Arrays.copyOf(bytes, bytes.length / 2));
    JobCounts videos = VideosJob.run(spark, lake, List.of("s3a://ingest/in/videos"), null, cfg);
    videos.print(System.out);
    assertEquals(1, videos.get("written"));
    assertEquals(1, videos.get("rejected.unreadable-video"));
    assertEquals(10L, (long) lake.read(spark, Tables.VIDEOS).first().getAs("n_frames"));
    assertEquals("s3a://ingest/in/videos/clip.mp4", lake.read(spark, Tables.VIDEOS).first().getAs("uri"));
  }

  private static void put(SparkSession spark, String uri, byte[] bytes) throws Exception {
    FileSystem fs = FileSystem.get(URI.create(uri), spark.sparkContext().hadoopConfiguration());
    try (OutputStream out = fs.create(new org.apache.hadoop.fs.Path(uri), true)) {
      out.write(bytes);
    }
  }
}
