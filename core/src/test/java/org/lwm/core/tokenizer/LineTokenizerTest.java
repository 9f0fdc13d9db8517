package org.lwm.core.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.core.cli.UserError;
import org.lwm.core.testing.TestSpark;

/**
 * {@code lwm tokenize}'s engine against {@code spm_encode --output_format=id} on the same file: the same ids on
 * every line, in order, for one thread and several, across block boundaries; bad UTF-8 named by its line.
 */
class LineTokenizerTest {
  @TempDir Path dir;

  static final Path MODEL = TestSpark.repoRoot().resolve("samples/tokenizer.model");

  @Test
  void sameIdsAsSpmEncodeOnEveryLineWithAnyThreadCount() throws Exception {
    List<String> prose = TestCorpus.bookLines(TestSpark.repoRoot());
    List<String> lines = new ArrayList<>(TestCorpus.mixed(prose, 800, 5, true));
    lines.addAll(Arrays.asList(TestCorpus.WHITESPACE));
    lines.addAll(List.of("", "carriage\rreturn", "<s>literal</s>", "\u2581x"));
    Random r = new Random(3);
    StringBuilder text = new StringBuilder();
    // > 2 blocks of input, so blocks are cut, carried and reordered
    while (text.length() < 5 * LineTokenizer.BLOCK_BYTES / 2) text.append(lines.get(r.nextInt(lines.size()))).append('\n');
    text.append("last line without a newline");
    Path input = dir.resolve("in.txt");
    Files.writeString(input, text, StandardCharsets.UTF_8);

    String spm = SentencePieceReference.run(dir, List.of("spm_encode", "--model=" + MODEL, "--output_format=id", "--input=" + input));
    List<String> expected = spm.lines().toList();
    SentencePieceTokenizer tok = SentencePieceTokenizer.load(MODEL);
    for (int threads : new int[] {1, 3}) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      LineTokenizer.Counts c = new LineTokenizer(tok, false, false).run(Files.newInputStream(input), out, threads, "in.txt");
      List<String> ours = out.toString(StandardCharsets.UTF_8).lines().toList();
      assertEquals(expected.size(), ours.size(), "lines, threads=" + threads);
      assertEquals(expected.size(), c.lines());
      assertEquals(Files.size(input), c.bytes());
      ObjectMapper json = new ObjectMapper();
      for (int i = 0; i < ours.size(); i++) {
        int[] ids = json.readValue(ours.get(i), int[].class);
        assertEquals(expected.get(i).trim(), SentencePieceReference.join(ids), "line " + (i + 1) + ", threads=" + threads);
      }
    }
  }

  @Test
  void bosAndEosWhenAsked() throws Exception {
    SentencePieceTokenizer tok = SentencePieceTokenizer.load(MODEL);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new LineTokenizer(tok, true, true).run(new ByteArrayInputStream("In the beginning\n\n".getBytes(StandardCharsets.UTF_8)), out, 1, "t");
    List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
    int[] body = tok.encode("In the beginning");
    StringBuilder want = new StringBuilder("[1");
    for (int id : body) want.append(',').append(id);
    assertEquals(List.of(want + ",2]", "[1,2]"), lines);
  }

  @Test
  void invalidUtf8IsNamedByItsLine() {
    SentencePieceTokenizer tok = SentencePieceTokenizer.load(MODEL);
    byte[] bad = "good\nalso good\nbad \u00ff here\n".getBytes(StandardCharsets.ISO_8859_1);
    for (int threads : new int[] {1, 2}) {
      UserError e = assertThrows(UserError.class, () -> new LineTokenizer(tok, false, false)
          .run(new ByteArrayInputStream(bad), new ByteArrayOutputStream(), threads, "books.txt"));
      assertEquals("books.txt line 3: not valid UTF-8: tokenize reads UTF-8 text, one document per line", e.getMessage());
    }
  }

  @Test
  void detokenizeParsesStrictly() throws Exception {
    ObjectMapper json = new ObjectMapper();
    assertEquals(List.of(5, 6), Arrays.stream(TokenizeCommand.parseIds(json, " [5, 6] ", "x")).boxed().toList());
    assertEquals("f line 2: expected integer token ids, found 1.5",
        assertThrows(UserError.class, () -> TokenizeCommand.parseIds(json, "[1.5]", "f line 2")).getMessage());
    assertEquals("f line 1: expected a JSON array of token ids",
        assertThrows(UserError.class, () -> TokenizeCommand.parseIds(json, "{}", "f line 1")).getMessage());
  }
}
