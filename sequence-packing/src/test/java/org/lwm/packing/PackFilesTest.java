package org.lwm.packing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lwm.core.cli.UserError;
import org.lwm.core.records.PackedRow;
import org.lwm.core.records.PackedRowJson;
import org.lwm.core.testing.TestSpark;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.packing.format.ExampleFormatter;
import org.lwm.packing.format.ExampleJson;
import org.lwm.packing.format.FormatFile;
import org.lwm.packing.format.FormatOptions;
import org.lwm.packing.format.FormattedExample;
import org.lwm.packing.pack.PackFile;
import org.lwm.packing.pack.PackStats;
import org.lwm.packing.pack.Packer;

/** The file commands: lwm pack format then lwm pack sequences, and their one-line errors. */
class PackFilesTest {
  static final SentencePieceTokenizer TOK = SentencePieceTokenizer.load(TestSpark.repoRoot().resolve("samples/tokenizer.model"));

  @Test
  void formatThenSequencesMatchesThePackerDirectly() throws Exception {
    StringBuilder in = new StringBuilder();
    Random r = new Random(3);
    for (int i = 0; i < 40; i++) {
      in.append("{\"id\": \"r").append(i).append("\", \"question\": \"").append(FormatterReferenceTest.sentence(r).replace("\\", "").replace("\"", "").replace("\t", " ").replace("\n", " "))
          .append("\", \"answer\": \"").append("Yes ".repeat(r.nextInt(30))).append("\"}\n");
    }
    ExampleFormatter f = new ExampleFormatter(TOK, FormatOptions.defaults());
    StringWriter formatted = new StringWriter();
    assertEquals(40, FormatFile.run(f, "[question],answer", new BufferedReader(new StringReader(in.toString())), formatted, "in.jsonl"));

    StringWriter packed = new StringWriter();
    Packer.Options o = new Packer.Options(48, 9, 16, 4);
    PackStats s = PackFile.run(o, new BufferedReader(new StringReader(formatted.toString())), packed, "formatted.jsonl");
    List<PackedRow> fromFile = PackedRowJson.readAll(new BufferedReader(new StringReader(packed.toString())), "packed.jsonl");
    assertEquals(s.rows, fromFile.size());

    List<PackedRow> direct = new ArrayList<>();
    Packer p = new Packer(o, 0, direct::add);
    int no = 0;
    for (String line : formatted.toString().split("\n")) {
      FormattedExample e = ExampleJson.readFormatted(line, "x", ++no);
      assertTrue(e.id().startsWith("r"));
      p.add(e);
    }
    p.finish();
    assertEquals(direct, fromFile);
  }

  @Test
  void errorsNameTheLineAndTheField() {
    ExampleFormatter f = new ExampleFormatter(TOK, FormatOptions.defaults());
    UserError e = assertThrows(UserError.class, () -> FormatFile.run(f, null,
        new BufferedReader(new StringReader("{\"fields\": \"text\", \"text\": \"a\"}\n{\"fields\": \"[q],a\", \"q\": \"x\"}\n")), new StringWriter(), "in.jsonl"));
    assertEquals("in.jsonl line 2: the record has no field 'a' named by the fields spec", e.getMessage());
    UserError v = assertThrows(UserError.class, () -> FormatFile.run(f, null,
        new BufferedReader(new StringReader("{\"fields\": \"[vision],c\", \"c\": \"x\", \"vision\": [1, 2, 3]}\n")), new StringWriter(), "v.jsonl"));
    assertTrue(v.getMessage().startsWith("v.jsonl line 1: field 'vision' has 3 codes, not a positive multiple of 256"), v.getMessage());
    UserError bad = assertThrows(UserError.class, () -> PackFile.run(new Packer.Options(8, 0, 4, 4),
        new BufferedReader(new StringReader("{\"tokens\": [1, 2], \"loss_mask\": [0]}\n")), new StringWriter(), "ex.jsonl"));
    assertEquals("ex.jsonl line 1: 'loss_mask' must be an array of 2 numbers, like 'tokens'", bad.getMessage());
  }
}
