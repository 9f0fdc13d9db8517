package org.lwm.orchestration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.core.testing.TestSpark;

/** The command line in-process: exit codes, one-line errors, lake ls/cat on a real lake. */
class CliTest {
  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  static synchronized Run run(String... args) {
    TestSpark.session(); // jobs reuse the shared local[2] session
    PrintStream oldOut = System.out, oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = Lwm.commandLine(false)
          .setOut(new java.io.PrintWriter(System.out, true))
          .setErr(new java.io.PrintWriter(System.err, true))
          .execute(args);
      return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void unknownSubCommandIsAUsageErrorWithExitTwo() {
    Run r = run("frobnicate");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("usage: lwm"), r.err());
    Run badOption = run("lake", "ls", "--no-such-option");
    assertEquals(2, badOption.code());
  }

  @Test
  void missingInputIsOneLineAndExitOne() {
    Run r = run("ingest", "books", "--input", dir.resolve("absent").toString(), "--lake", dir.resolve("lake").toString());
    assertEquals(1, r.code());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains("absent") && r.err().contains("does not exist"), r.err());
    assertFalse(r.err().contains("at org."), "no stack trace without --verbose");
  }

  @Test
  void lakeLsAndCatShowWhatIngestWrote() throws Exception {
    Path books = Files.createDirectories(dir.resolve("books"));
    Files.writeString(books.resolve("a.txt"), "The first book. ".repeat(20));
    Files.writeString(books.resolve("b.txt"), "The second book, a different one. ".repeat(20));
    Files.write(books.resolve("bad.txt"), new byte[] {'o', 'k', (byte) 0xC3, (byte) 0x28, 'x'});
    String lake = dir.resolve("lake").toString();
    Run ingest = run("ingest", "books", "--input", books.toString(), "--lake", lake);
    assertEquals(0, ingest.code(), ingest.err());

    Run ls = run("lake", "ls", "--lake", lake);
    assertEquals(0, ls.code(), ls.err());
    assertTrue(ls.out().lines().anyMatch(l -> l.startsWith("books") && l.contains(" 2 ")), ls.out());
    assertTrue(ls.out().lines().anyMatch(l -> l.startsWith("rejects") && l.contains(" 1 ")), ls.out());

    Run cat = run("lake", "cat", "books", "--lake", lake, "--columns", "title,n_chars", "--where", "n_chars > 0", "--format", "jsonl");
    assertEquals(0, cat.code(), cat.err());
    ObjectMapper json = new ObjectMapper();
    List<String> titles = new ArrayList<>();
    for (String line : cat.out().strip().split("\n")) {
      JsonNode row = json.readTree(line);
      titles.add(row.get("title").asText());
      assertEquals(2, row.size(), "only the asked columns: " + line);
    }
    titles.sort(String::compareTo);
    assertEquals(List.of("a", "b"), titles);

    Run badWhere = run("lake", "cat", "books", "--lake", lake, "--where", "no_such_column > 1");
    assertEquals(1, badWhere.code());
    assertTrue(badWhere.err().startsWith("lwm: cannot read books"), badWhere.err());
    Run noTable = run("lake", "cat", "nothing", "--lake", lake);
    assertEquals(1, noTable.code());
    assertTrue(noTable.err().contains("tables: books, rejects"), noTable.err());
  }

  @Test
  void tokenizeThenDetokenizeGivesTheTextBack() throws Exception {
    String model = TestSpark.repoRoot().resolve("samples/tokenizer.model").toString();
    Path text = dir.resolve("in.txt");
    Files.writeString(text, "In the beginning God created the heaven and the earth.\n\n  two spaces, 42 and \u00e9t\u00e9\n");
    Path ids = dir.resolve("ids.jsonl");
    Run tok = run("tokenize", "--model", model, "--input", text.toString(), "--output", ids.toString(), "--threads", "2");
    assertEquals(0, tok.code(), tok.err());
    List<String> lines = Files.readAllLines(ids);
    assertEquals(3, lines.size());
    assertEquals("[]", lines.get(1));
    Path back = dir.resolve("back.txt");
    Run detok = run("detokenize", "--model", model, "--input", ids.toString(), "--output", back.toString());
    assertEquals(0, detok.code(), detok.err());
    assertEquals(Files.readString(text), Files.readString(back));

    Files.writeString(ids, "[1, 2]\n[99999]\n");
    Run bad = run("detokenize", "--model", model, "--input", ids.toString(), "--output", back.toString());
    assertEquals(1, bad.code());
    assertTrue(bad.err().startsWith("lwm: " + ids + " line 2: id 99999 is outside"), bad.err());
    Run noModel = run("tokenize", "--model", dir.resolve("none.model").toString(), "--input", text.toString());
    assertEquals(1, noModel.code());
    assertTrue(noModel.err().contains("no such tokenizer model"), noModel.err());
  }

  @Test
  void everySubCommandHasHelp() {
    var cl = Lwm.commandLine(false);
    List<String> missing = new ArrayList<>();
    visit(cl, missing);
    assertTrue(missing.isEmpty(), "without --help: " + missing);
    assertTrue(cl.getSubcommands().keySet().containsAll(List.of("demo", "ingest", "lake", "tokenize", "detokenize")));
  }

  private static void visit(picocli.CommandLine cl, List<String> missing) {
    if (!cl.getCommandName().equals("help") && cl.getCommandSpec().optionsMap().get("--help") == null) {
      missing.add(cl.getCommandSpec().qualifiedName());
    }
    cl.getSubcommands().values().forEach(sub -> visit(sub, missing));
  }
}
