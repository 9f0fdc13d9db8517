package org.lwm.qa.assemble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.lwm.core.records.ChatTemplate;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.qa.QaTestData;
import org.lwm.qa.chunk.Chunker;
import org.lwm.qa.generate.ExtractiveGenerator;
import org.lwm.qa.generate.QaResult;

class LongQaAssemblerTest {
  final SentencePieceTokenizer tok = QaTestData.tokenizer();

  List<LongQaAssembler.ChunkText> chunks(String book) {
    List<LongQaAssembler.ChunkText> out = new ArrayList<>();
    for (Chunker.Chunk c : new Chunker(tok, 1000).chunk(tok.encode(book))) out.add(new LongQaAssembler.ChunkText(c.index(), c.text(), c.nTokens()));
    return out;
  }

  Map<Integer, LongQaAssembler.Pair> pairs(String bookId, List<LongQaAssembler.ChunkText> chunks, int skipEvery) {
    ExtractiveGenerator gen = new ExtractiveGenerator(0, 1000);
    Map<Integer, LongQaAssembler.Pair> out = new HashMap<>();
    for (LongQaAssembler.ChunkText c : chunks) {
      if (skipEvery > 0 && c.index() % skipEvery == 0) continue; // a chunk whose generation failed
      QaResult r = gen.generate(bookId, c.index(), c.text());
      out.put(c.index(), new LongQaAssembler.Pair(c.index(), r.question(), r.answer()));
    }
    return out;
  }

  int count(ChatTemplate.Formatted f) {
    int n = 2;
    for (String p : f.parts().values()) n += tok.encode(p).length;
    return n;
  }

  @Test
  void examplesFitTheirLengthExactlyCountedAndUseTheirWindowsPairs() {
    String genesis = QaTestData.books(n -> n.contains("Genesis")).values().iterator().next();
    List<LongQaAssembler.ChunkText> chunks = chunks(genesis);
    Map<Integer, LongQaAssembler.Pair> pairs = pairs("gen", chunks, 4);
    LongQaAssembler a = new LongQaAssembler(tok, new LongQaAssembler.Settings(0, true, 7, 0.5, "extractive", "h"));
    for (int t : new int[] {1200, 2048, 4096, 8192, 16384}) {
      LongQaAssembler.Tally tally = new LongQaAssembler.Tally();
      List<LongQaAssembler.Example> exs = a.assemble("gen", chunks, pairs, t, tally);
      assertTrue(exs.size() > 0, "T=" + t);
      int prevEnd = 0;
      for (LongQaAssembler.Example ex : exs) {
        assertTrue(ex.nTokens() <= t, "T=" + t + ": " + ex.nTokens());
        assertEquals(count(ex.formatted()), ex.nTokens(), "n_tokens is what the formatter will produce");
        assertTrue(ex.chunkStart() >= prevEnd && ex.chunkEnd() > ex.chunkStart(), "windows are adjacent chunks in order, never overlapping");
        prevEnd = ex.chunkEnd();
        Set<Integer> inWindow = new TreeSet<>();
        for (int i = ex.chunkStart(); i < ex.chunkEnd(); i++) if (pairs.containsKey(i)) inWindow.add(i);
        assertEquals(inWindow.size(), ex.turns().size(), "every pair of the window is a turn (max_turns = 0)");
        for (LongQaAssembler.Pair p : ex.turns()) assertTrue(p.chunkIndex() >= ex.chunkStart() && p.chunkIndex() < ex.chunkEnd());
        StringBuilder ctx = new StringBuilder();
        for (int i = ex.chunkStart(); i < ex.chunkEnd(); i++) ctx.append(chunks.get(i).text());
        assertEquals(ctx.toString().strip(), ex.context());
        assertTrue(ex.formatted().parts().get("p0").startsWith("You are a helpful assistant. USER: " + ex.context() + "\n\n" + ex.turns().get(0).question()));
        assertTrue(ex.formatted().parts().get("p0").endsWith(" ASSISTANT:"));
        assertEquals(ex.turns().get(0).answer(), ex.formatted().parts().get("a0"));
        if (ex.turns().size() > 1) assertEquals("USER: " + ex.turns().get(1).question() + " ASSISTANT:", ex.formatted().parts().get("p1"));
        assertTrue(ex.formatted().fields().startsWith("[p0],a0"));
      }
      // windows grow by whole 1000-token chunks: each one (but the book's last) stops because the next chunk and its
      // turn (~1000 + ~100 tokens) would not fit, so it falls short of T by less than that
      for (int i = 0; i < exs.size() - 1; i++) assertTrue(exs.get(i).nTokens() > t - 1200, "T=" + t + ": window " + i + " holds only " + exs.get(i).nTokens());
      assertEquals(exs.size(), tally.examples);
    }
  }

  @Test
  void shortBooksTurnLimitsOrderAndSeed() {
    String obadiah = QaTestData.books(n -> n.contains("Obadiah")).values().iterator().next();
    List<LongQaAssembler.ChunkText> small = chunks(obadiah);
    LongQaAssembler.Tally tally = new LongQaAssembler.Tally();
    LongQaAssembler all = new LongQaAssembler(tok, new LongQaAssembler.Settings(0, true, 0, 0.5, "extractive", "h"));
    assertEquals(0, all.assemble("oba", small, pairs("oba", small, 0), 8192, tally).size());
    assertEquals(1, tally.booksTooShort);

    String exodus = QaTestData.books(n -> n.contains("Exodus")).values().iterator().next();
    List<LongQaAssembler.ChunkText> chunks = chunks(exodus);
    Map<Integer, LongQaAssembler.Pair> pairs = pairs("exo", chunks, 0);
    List<LongQaAssembler.Example> three = new LongQaAssembler(tok, new LongQaAssembler.Settings(3, false, 0, 0.5, "extractive", "h"))
        .assemble("exo", chunks, pairs, 8192, new LongQaAssembler.Tally());
    for (LongQaAssembler.Example ex : three) {
      assertEquals(3, ex.turns().size());
      assertTrue(ex.turns().get(0).chunkIndex() < ex.turns().get(1).chunkIndex() && ex.turns().get(1).chunkIndex() < ex.turns().get(2).chunkIndex(),
          "document order");
      assertEquals("[p0],a0,[p1],a1,[p2],a2", ex.formatted().fields());
    }
    List<LongQaAssembler.Example> seed0 = all.assemble("exo", chunks, pairs, 8192, new LongQaAssembler.Tally());
    List<LongQaAssembler.Example> again = all.assemble("exo", chunks, pairs, 8192, new LongQaAssembler.Tally());
    List<LongQaAssembler.Example> seed1 = new LongQaAssembler(tok, new LongQaAssembler.Settings(0, true, 1, 0.5, "extractive", "h"))
        .assemble("exo", chunks, pairs, 8192, new LongQaAssembler.Tally());
    assertEquals(order(seed0), order(again), "same seed, same turns");
    assertNotEquals(order(seed0), order(seed1), "another seed shuffles the turns otherwise");
    // no pairs at all: no example, every window counted
    LongQaAssembler.Tally none = new LongQaAssembler.Tally();
    assertEquals(0, all.assemble("exo", chunks, Map.of(), 8192, none).size());
    assertTrue(none.windowsWithoutQa > 0);
  }

  private static List<Integer> order(List<LongQaAssembler.Example> exs) {
    List<Integer> out = new ArrayList<>();
    for (LongQaAssembler.Example ex : exs) for (LongQaAssembler.Pair p : ex.turns()) out.add(p.chunkIndex());
    return out;
  }

  @Test
  void chatConversationsUseTheSameTemplate() {
    ChatTemplate.Formatted f = ChatTemplate.chat(List.of("system", "user", "assistant", "user", "user", "assistant", "user"),
        List.of("Be brief.", "Hi", "Hello!", "Two", "parts", "Fine.", "unanswered"));
    assertEquals("[p0],a0,[p1],a1", f.fields());
    assertEquals("Be brief. USER: Hi ASSISTANT:", f.parts().get("p0"));
    assertEquals("Hello!", f.parts().get("a0"));
    assertEquals("USER: Two\nparts ASSISTANT:", f.parts().get("p1"));
    assertEquals(null, ChatTemplate.chat(List.of("user"), List.of("no answer")));
    // the aliases of ShareGPT-style data, consecutive answers joined, an answer before any question kept
    ChatTemplate.Formatted g = ChatTemplate.chat(List.of("gpt", "Human", "gpt", "bot"), List.of("Welcome.", "Hi", "Hello!", "How can I help?"));
    assertEquals("[p0],a0,[p1],a1", g.fields());
    assertEquals("You are a helpful assistant. USER:  ASSISTANT:", g.parts().get("p0"));
    assertEquals("Hello!\nHow can I help?", g.parts().get("a1"));
    ChatTemplate.UnknownRole bad = org.junit.jupiter.api.Assertions.assertThrows(ChatTemplate.UnknownRole.class,
        () -> ChatTemplate.chat(List.of("user", "narrator"), List.of("Hi", "Once upon a time")));
    assertTrue(bad.getMessage().contains("'narrator'"), bad.getMessage());
    // the fields joined at token level read as the template's text
    int[] joined = concat(tok.encode("You are a helpful assistant. USER: Hi ASSISTANT:"), tok.encode("Hello!"));
    assertEquals(tok.decode(joined), "You are a helpful assistant. USER: Hi ASSISTANT: Hello!");
  }

  private static int[] concat(int[] a, int[] b) {
    int[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
