package org.lwm.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.core.cli.UserError;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.testing.TestSpark;
import org.lwm.core.tokenizer.SentencePieceTokenizer;

class TokenizeJobTest {
  @TempDir Path dir;

  @Test
  void tokenizesTheSampleBooksRecordsTheTokenizerAndRefusesAnother() throws Exception {
    SparkSession spark = TestSpark.session();
    Lake lake = TestSpark.newLake();
    Path model = TestSpark.repoRoot().resolve("samples/tokenizer.model");
    // eight of the sample's books, small and large (Obadiah … Psalms), keep the test quick
    Path books = Files.createDirectories(dir.resolve("books"));
    try (var files = Files.list(TestSpark.repoRoot().resolve("samples/books"))) {
      for (Path p : files.sorted().toList()) {
        String name = p.getFileName().toString();
        if (name.compareTo("14") < 0 && name.compareTo("09") >= 0 || name.contains("Obadiah") || name.contains("Psalms") || name.contains("Jude")) {
          Files.copy(p, books.resolve(name));
        }
      }
    }
    BooksJob.run(spark, lake, List.of(books.toString()), TestSpark.config());
    SentencePieceTokenizer tok = SentencePieceTokenizer.load(model);

    JobCounts c = TokenizeJob.run(spark, lake, model.toString(), false, TestSpark.config());
    c.print(System.out);
    long nBooks = lake.read(spark, Tables.BOOKS).count();
    assertEquals(8, nBooks);
    assertEquals(nBooks, c.get("tokenized"));
    Map<String, String> texts = lake.read(spark, Tables.BOOKS).collectAsList().stream()
        .collect(Collectors.toMap(r -> r.<String>getAs("book_id"), r -> r.<String>getAs("text")));
    long total = 0;
    for (Row r : lake.read(spark, Tables.BOOK_TOKENS).collectAsList()) {
      int[] ids = r.<Integer>getList(1).stream().mapToInt(Integer::intValue).toArray();
      assertArrayEquals(tok.encode(texts.get(r.getString(0))), ids, "book " + r.getString(0));
      assertEquals(ids.length, r.getLong(2));
      total += ids.length;
    }
    assertEquals(total, c.get("tokens_total"));
    assertEquals(tok.identity(), TokenizeJob.tokenizerOf(spark, lake));

    // same tokenizer again: nothing to do
    JobCounts again = TokenizeJob.run(spark, lake, model.toString(), false, TestSpark.config());
    assertEquals(0, again.get("tokenized"));
    assertEquals(nBooks, again.get("unchanged"));

    // another model (same pieces, other bytes, so another identity) is refused, then accepted with --overwrite
    byte[] bytes = Files.readAllBytes(model);
    String latin = new String(bytes, StandardCharsets.ISO_8859_1).replace("lwm-sample-corpus.txt", "lwm-sample-corpus.TXT");
    Path other = dir.resolve("other.model");
    Files.write(other, latin.getBytes(StandardCharsets.ISO_8859_1));
    assertTrue(!SentencePieceTokenizer.load(other).identity().equals(tok.identity()));
    UserError refused = assertThrows(UserError.class, () -> TokenizeJob.run(spark, lake, other.toString(), false, TestSpark.config()));
    assertTrue(refused.getMessage().contains("--overwrite"), refused.getMessage());
    JobCounts over = TokenizeJob.run(spark, lake, other.toString(), true, TestSpark.config());
    assertEquals(nBooks, over.get("tokenized"));
    assertEquals(SentencePieceTokenizer.load(other).identity(), TokenizeJob.tokenizerOf(spark, lake));
    assertEquals(nBooks, lake.read(spark, Tables.BOOK_TOKENS).count());
  }
}
