package org.lwm.qa.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.lwm.qa.QaTestData;
import org.lwm.qa.chunk.Chunker;

class ExtractiveGeneratorTest {
  @Test
  void everySampleChunkGetsADeterministicPairWhoseAnswerIsASpanOfTheChunk() {
    Map<String, String> books = QaTestData.books(n -> n.startsWith("0") || n.contains("Psalms") || n.contains("Obadiah"));
    ExtractiveGenerator gen = new ExtractiveGenerator(0, 1000);
    int chunks = 0;
    int blanks = 0;
    for (Map.Entry<String, String> b : books.entrySet()) {
      List<Chunker.Chunk> cs = new Chunker(QaTestData.tokenizer(), 1000).chunk(QaTestData.tokenizer().encode(b.getValue()));
      for (Chunker.Chunk c : cs) {
        QaResult r = gen.generate(b.getKey(), c.index(), c.text());
        assertTrue(r.isOk(), b.getKey() + " chunk " + c.index() + ": " + r);
        assertEquals(r, gen.generate(b.getKey(), c.index(), c.text()), "deterministic");
        String flat = c.text().replaceAll("\\s+", " ");
        if (r.question().contains("____")) {
          blanks++;
          String quoted = r.answer().substring(r.answer().indexOf('"') + 1, r.answer().lastIndexOf('"'));
          assertTrue(flat.contains(quoted), "the quoted sentence is in the chunk: " + quoted);
          String word = r.answer().substring(0, r.answer().indexOf(", as in: "));
          assertEquals(quoted, quotedSentence(r.question()).replace("____", word), "filling the blank gives the sentence back");
        } else {
          assertTrue(flat.contains(r.answer()), "the continuation is in the chunk: " + r.answer());
        }
        assertEquals(1.0, QaValidator.grounding(r.answer(), c.text()), 1e-9);
        chunks++;
      }
    }
    assertTrue(chunks > 200, "chunks: " + chunks);
    assertTrue(blanks > chunks * 0.9, blanks + " of " + chunks + " chunks got a number or name question");
    assertNotEquals(gen.promptHash(), new ExtractiveGenerator(1, 1000).promptHash());
  }

  @Test
  void aChunkWithoutSentencesFails() {
    QaResult r = new ExtractiveGenerator(0, 1000).generate("b", 0, "  12  \n 13 ");
    assertEquals(QaResult.FAILED, r.status());
  }

  private static String quotedSentence(String question) {
    return question.substring(question.indexOf('"') + 1, question.lastIndexOf('"'));
  }
}
