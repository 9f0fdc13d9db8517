package org.lwm.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.testing.TestSpark;

class BooksJobTest {
  @TempDir Path dir;

  /** Every format and every way to fail in one input set; the accounting must add up, run after run. */
  @Test
  void messyInputsAreAllAccountedForAndReRunsChangeNothing() throws Exception {
    SparkSession spark = TestSpark.session();
    Lake lake = TestSpark.newLake();
    Path in = Files.createDirectories(dir.resolve("in"));
    String a = TestData.book(1, 3000);
    String near = TestData.edited(a, 10, 7);
    Files.writeString(in.resolve("a.txt"), a);
    Files.writeString(in.resolve("b-copy-of-a.txt"), a);                                       // exact duplicate
    Files.writeString(in.resolve("c-near-a.txt"), near);                                      // near duplicate
    Files.write(in.resolve("d-bom-crlf.txt"), TestData.utf8("\uFEFF" + TestData.book(2, 500).replace("\n", "\r\n")));
    Files.write(in.resolve("e-broken.txt"), concat(TestData.utf8(TestData.book(3, 300)), new byte[] {(byte) 0xC3, 0x28}));
    Files.write(in.resolve("f-empty.txt"), new byte[0]);
    Files.writeString(in.resolve("g-short.txt"), "Too short.");
    Files.writeString(in.resolve("notes.md"), "# not a book");
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("books3/h.txt", TestData.utf8(TestData.book(4, 800)));
    entries.put("../../etc/evil.txt", TestData.utf8(TestData.book(5, 800)));
    entries.put("/abs/evil.txt", TestData.utf8(TestData.book(6, 800)));
    entries.put("books3/i-copy-of-a.txt", TestData.utf8(a));
    Files.write(in.resolve("books3.tar.gz"), TestData.tar(entries, true));
    String pile = String.join("\n",
        TestData.pile(TestData.book(8, 700), "The Book of J.epub.txt"),
        "{\"text\": \"unterminated",
        "{\"meta\": {}}",
        TestData.pile(TestData.book(9, 700), null)) + "\n";
    Files.write(in.resolve("pile.jsonl.zst"), TestData.zstd(pile));
    // a .zst cut in the middle: the lines before the cut are books, then one reject for the file
    StringBuilder many = new StringBuilder();
    for (int i = 0; i < 300; i++) many.append(TestData.pile(TestData.book(100 + i, 400), "T" + i)).append('\n');
    byte[] whole = TestData.zstd(many.toString());
    Files.write(in.resolve("truncated.jsonl.zst"), Arrays.copyOf(whole, whole.length / 2));
    Path parquet = dir.resolve("parquet");
    StructType schema = new StructType().add("content", DataTypes.StringType).add("title", DataTypes.StringType);
    spark.createDataFrame(List.of(RowFactory.create(TestData.book(10, 600), "Parquet Book"), RowFactory.create(a, "Again A")), schema)
        .coalesce(1).write().parquet(parquet.toString());

    Config config = TestSpark.config().with("ingest.text_column", "content");
    List<String> inputs = List.of(in.toString(), parquet.toString());
    JobCounts first = BooksJob.run(spark, lake, inputs, config);
    first.print(System.out);

    long truncatedGood = first.get("seen") - 19; // everything else below is fixed
    assertEquals(1, first.get("rejected.truncated"), "the cut .zst is one reject");
    assertTrue(truncatedGood > 0 && truncatedGood < 300, "lines before the cut are read: " + truncatedGood);
    assertEquals(2, first.get("rejected.unsafe-path"));
    assertEquals(1, first.get("rejected.invalid-utf8"));
    assertEquals(1, first.get("rejected.empty"));
    assertEquals(1, first.get("rejected.too-short"));
    assertEquals(1, first.get("rejected.unsupported-format"));
    assertEquals(1, first.get("rejected.invalid-json"));
    assertEquals(1, first.get("rejected.missing-text"));
    assertEquals(3, first.get("exact_dups"), "b, the tar's copy and the parquet copy of a");
    assertEquals(1, first.get("near_dups"));
    // a, d, h, two pile books, the parquet book, and the books before the cut
    assertEquals(6 + truncatedGood, first.get("books_written"));
    assertIdentity(first);
    assertEquals(first.get("books_written"), lake.read(spark, Tables.BOOKS).count());

    Map<String, Row> bySource = lake.read(spark, Tables.BOOKS).collectAsList().stream()
        .collect(Collectors.toMap(r -> r.<String>getAs("source"), r -> r));
    String aId = BookText.bookId(a);
    Row aRow = bySource.get(in.resolve("a.txt").toUri().toString().replace("file:///", "file:/"));
    assertEquals(aId, aRow.getAs("book_id"), "a.txt is kept: first by name");
    Row d = bySource.values().stream().filter(r -> r.<String>getAs("title").equals("d-bom-crlf")).findFirst().orElseThrow();
    assertEquals(TestData.book(2, 500), d.getAs("text"), "BOM stripped, CRLF -> LF, nothing else changed");
    assertTrue(bySource.values().stream().anyMatch(r -> r.<String>getAs("title").equals("The Book of J")), "title from meta");
    assertTrue(bySource.values().stream().anyMatch(r -> r.<String>getAs("title").equals("Parquet Book")), "title column");

    Map<String, String> rejects = new TreeMap<>();
    for (Row r : lake.read(spark, Tables.REJECTS).collectAsList()) rejects.put(r.getString(1), r.getString(2));
    String nearSource = rejects.keySet().stream().filter(s -> s.endsWith("c-near-a.txt")).findFirst().orElseThrow();
    assertEquals("duplicate-of:" + aId, rejects.get(nearSource));
    assertTrue(rejects.keySet().stream().anyMatch(s -> s.endsWith("books3.tar.gz!/../../etc/evil.txt")), rejects.keySet().toString());
    long rejectRows = lake.read(spark, Tables.REJECTS).count();
    assertEquals(first.get("duplicates") + first.get("rejected"), rejectRows);

    // the same inputs again: nothing new, everything accounted for as unchanged
    JobCounts again = BooksJob.run(spark, lake, inputs, config);
    assertEquals(0, again.get("books_written"));
    assertEquals(first.get("books_written"), again.get("unchanged"));
    assertEquals(first.get("duplicates"), again.get("duplicates"));
    assertEquals(first.get("rejected"), again.get("rejected"));
    assertIdentity(again);
    assertEquals(first.get("books_written"), lake.read(spark, Tables.BOOKS).count());
    assertEquals(rejectRows, lake.read(spark, Tables.REJECTS).count());

    // one new file and one near-duplicate of a kept book: only those are new
    Files.writeString(in.resolve("z-new.txt"), TestData.book(11, 900));
    Files.writeString(in.resolve("zz-near-h.txt"), TestData.edited(TestData.book(4, 800), 3, 9));
    JobCounts third = BooksJob.run(spark, lake, inputs, config);
    assertEquals(1, third.get("books_written"));
    assertEquals(first.get("books_written"), third.get("unchanged"));
    assertEquals(first.get("near_dups") + 1, third.get("near_dups"));
    assertIdentity(third);
    assertEquals(first.get("books_written") + 1, lake.read(spark, Tables.BOOKS).count());
    assertEquals(third.get("books_written") + "", lake.properties(spark, Tables.BOOKS).get("lwm.ingest-books.books_written"));
  }

  /** A book over ingest.max_book_bytes is a too-large reject with the limit in its reason, never read whole. */
  @Test
  void aBookOverTheSizeLimitIsARejectWithItsReason() throws Exception {
    SparkSession spark = TestSpark.session();
    Lake lake = TestSpark.newLake();
    Path in = Files.createDirectories(dir.resolve("sized"));
    Files.writeString(in.resolve("big.txt"), TestData.book(20, 3000));
    Files.writeString(in.resolve("small.txt"), TestData.book(21, 300));
    long limit = Files.size(in.resolve("small.txt")) + 1;
    assertTrue(Files.size(in.resolve("big.txt")) > limit);
    JobCounts c = BooksJob.run(spark, lake, List.of(in.toString()), TestSpark.config().with("ingest.max_book_bytes", String.valueOf(limit)));
    assertEquals(1, c.get("books_written"));
    assertEquals(1, c.get("rejected.too-large"));
    assertIdentity(c);
    List<Row> rejects = lake.read(spark, Tables.REJECTS).collectAsList();
    assertEquals(1, rejects.size());
    assertTrue(rejects.get(0).getString(1).endsWith("big.txt"), rejects.toString());
    assertEquals("too-large", rejects.get(0).getString(2));
    assertTrue(rejects.get(0).getString(3).contains("ingest.max_book_bytes = " + limit), rejects.get(0).getString(3));
  }

  private static void assertIdentity(JobCounts c) {
    assertEquals(c.get("seen"), c.get("books_written") + c.get("unchanged") + c.get("duplicates") + c.get("rejected"),
        "seen = written + unchanged + duplicates + rejected");
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
