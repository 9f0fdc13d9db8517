package org.lwm.qa.chunk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.step.StepExecution;
import org.lwm.core.testing.TestSpark;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.qa.QaTestData;

class ChunkJobTest {
  @Test
  void chunksCoverEverySampleBookExactlyInOrderWithoutOverlap() {
    SparkSession spark = TestSpark.session();
    Lake lake = TestSpark.newLake();
    Map<String, int[]> tokens = QaTestData.writeBookTokens(spark, lake, QaTestData.books(n -> true));
    assertEquals(66, tokens.size());
    JobCounts c = ChunkJob.run(spark, lake, QaTestData.modelUri(), TestSpark.config());
    c.print(System.out);

    Map<String, List<Row>> byBook = new HashMap<>();
    for (Row r : lake.read(spark, Tables.CHUNKS).select("book_id", "chunk_index", "token_start", "token_end", "n_tokens", "text").collectAsList()) {
      byBook.computeIfAbsent(r.getString(0), k -> new ArrayList<>()).add(r);
    }
    assertEquals(tokens.keySet(), byBook.keySet());
    long total = 0;
    SentencePieceTokenizer tok = QaTestData.tokenizer();
    for (Map.Entry<String, int[]> book : tokens.entrySet()) {
      List<Row> chunks = byBook.get(book.getKey());
      chunks.sort((a, b) -> Integer.compare(a.getInt(1), b.getInt(1)));
      int n = book.getValue().length;
      assertEquals((n + 999) / 1000, chunks.size(), book.getKey());
      int expectStart = 0;
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < chunks.size(); i++) {
        Row r = chunks.get(i);
        assertEquals(i, r.getInt(1), book.getKey() + ": chunk indices are 0, 1, 2, …");
        assertEquals(expectStart, r.getInt(2), book.getKey() + " chunk " + i + " starts where the previous one ended");
        int size = r.getInt(3) - r.getInt(2);
        assertEquals(size, r.getInt(4));
        if (i < chunks.size() - 1) assertEquals(1000, size, book.getKey() + " chunk " + i);
        else assertTrue(size >= 1 && size <= 1000, book.getKey() + " last chunk has " + size + " tokens");
        expectStart = r.getInt(3);
        text.append(r.getString(5));
      }
      assertEquals(n, expectStart, book.getKey() + ": the chunks end at the book's last token");
      assertEquals(tok.decode(book.getValue()), text.toString(), book.getKey() + ": the chunk texts concatenate to the decoded book");
      total += n;
    }
    assertEquals(total, c.get("tokens"));
    assertEquals(66, c.get("books_chunked"));
    Map<String, String> props = lake.properties(spark, Tables.CHUNKS);
    assertEquals(tok.identity(), props.get(StepExecution.TOKENIZER_PROPERTY));
    assertEquals("1000", props.get(ChunkJob.CHUNK_TOKENS_PROPERTY));
  }

  @Test
  void aCutThroughAByteFallbackCharacterKeepsTheCharacterWhole() {
    SentencePieceTokenizer tok = QaTestData.tokenizer();
    // characters outside the sample's vocabulary are spelled as UTF-8 bytes: cuts every 5 tokens fall inside them
    String text = "In the beginning 北京 and 東京 were 🌍 far — the ☃ said «ça» to Ωmega; and God saw 🌍🌍 it was good.";
    int[] ids = tok.encode(text);
    for (int size : new int[] {3, 5, 7, 16}) {
      List<Chunker.Chunk> chunks = new Chunker(tok, size).chunk(ids);
      StringBuilder all = new StringBuilder();
      for (Chunker.Chunk c : chunks) {
        assertFalse(c.text().contains("\uFFFD"), "size " + size + ": chunk " + c.index() + " has half a character: " + c.text());
        all.append(c.text());
      }
      assertEquals(tok.decode(ids), all.toString(), "size " + size);
      assertEquals(ids.length, chunks.get(chunks.size() - 1).tokenEnd());
    }
  }

  @Test
  void refusesAnotherTokenizerThanTheBooksOne() throws Exception {
    SparkSession spark = TestSpark.session();
    Lake lake = TestSpark.newLake();
    QaTestData.writeBookTokens(spark, lake, QaTestData.books(n -> n.contains("Obadiah")));
    lake.setProperties(spark, Tables.BOOK_TOKENS, Map.of(StepExecution.TOKENIZER_PROPERTY, "0123456789abcdef0123456789abcdef"));
    UserError e = assertThrows(UserError.class, () -> ChunkJob.run(spark, lake, QaTestData.modelUri(), TestSpark.config()));
    assertTrue(e.getMessage().contains("0123456789ab"), e.getMessage());
    assertFalse(lake.exists(spark, Tables.CHUNKS), "nothing was written");
    lake.setProperties(spark, Tables.BOOK_TOKENS, Map.of(StepExecution.TOKENIZER_PROPERTY, QaTestData.tokenizer().identity()));
    UserError small = assertThrows(UserError.class, () -> ChunkJob.run(spark, lake, QaTestData.modelUri(), Config.of(Map.of("qa.chunk_tokens", "4"))));
    assertTrue(small.getMessage().contains("qa.chunk_tokens"), small.getMessage());
  }
}
