package org.lwm.core.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.core.cli.UserError;
import org.lwm.core.testing.TestSpark;

/**
 * The tokenizer against SentencePiece itself: models trained with spm_train at test time in LLaMA-2's
 * settings and variations of them, encodings and decodings compared id for id with Debian's
 * python3-sentencepiece on varied text.
 */
class SentencePieceTokenizerTest {
  @TempDir static Path dir;
  static List<String> prose;
  static List<String> texts; // what every model is compared on
  static Path sample;
  static Path llama;

  @BeforeAll
  static void setUp() {
    prose = TestCorpus.bookLines(TestSpark.repoRoot());
    sample = TestSpark.repoRoot().resolve("samples/tokenizer.model");
    List<String> t = new ArrayList<>();
    Random r = new Random(7);
    for (int i = 0; i < 1500; i++) t.add(prose.get(r.nextInt(prose.size())));
    t.addAll(TestCorpus.mixed(prose, 1500, 11, true));
    t.addAll(TestCorpus.multiline(prose, 300, 19));
    t.addAll(Arrays.asList(TestCorpus.RARE));
    t.addAll(Arrays.asList(TestCorpus.WHITESPACE));
    t.addAll(Arrays.asList(TestCorpus.CJK));
    t.addAll(Arrays.asList(TestCorpus.ARABIC));
    t.addAll(List.of("", " ", "  leading", "trailing  ", "<s>hello</s>", "\u2581", "\u2581hello \u2581 world\u2581",
        "1234567890", "3.14159 2,718 1e-10", "a\tb\t\tc", String.join("", TestCorpus.CJK), "x".repeat(300),
        "\u00e9\u0301\u0302\u0303", "hello\u200dworld", " ".repeat(40) + "deep indent"));
    texts = t;
    llama = SentencePieceReference.train(dir, "llama", TestCorpus.trainingText(prose, 3), SentencePieceReference.llamaFlags(1500));
  }

  /** Every text: our ids equal SentencePiece's, the reference path's equal the fast path's, decodings agree. */
  static void assertSameAsSentencePiece(Path model) {
    SentencePieceTokenizer tok = SentencePieceTokenizer.load(model);
    List<int[]> expected = SentencePieceReference.encode(dir, model, texts);
    List<int[]> ours = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      int[] ids = tok.encode(texts.get(i));
      ours.add(ids);
      String what = model.getFileName() + ": text " + i + " " + abbreviate(texts.get(i));
      assertArrayEquals(expected.get(i), ids, what);
      assertArrayEquals(ids, tok.encodeWithReference(texts.get(i)), "reference path, " + what);
    }
    List<String> decoded = SentencePieceReference.decode(dir, model, ours);
    for (int i = 0; i < ours.size(); i++) {
      assertEquals(decoded.get(i), tok.decode(ours.get(i)), model.getFileName() + ": decoding text " + i);
    }
  }

  static String abbreviate(String s) {
    String e = s.codePoints().limit(80).collect(StringBuilder::new,
        (sb, c) -> sb.append(c < 0x20 || c > 0x7e ? String.format("\\u{%x}", c) : Character.toString(c)), StringBuilder::append).toString();
    return "'" + e + "'";
  }

  @Test
  void sampleModelMatchesSentencePiece() {
    assertSameAsSentencePiece(sample);
  }

  @Test
  void llamaSettingsMatchSentencePiece() {
    assertSameAsSentencePiece(llama);
  }

  @Test
  void userDefinedAndControlSymbolsWithoutByteFallbackMatchSentencePiece() {
    // no byte fallback: characters outside the vocabulary become <unk>, runs of them one <unk>
    String[] flags = SentencePieceReference.llamaFlags(1200);
    List<String> f = new ArrayList<>(Arrays.asList(flags));
    f.replaceAll(s -> s.equals("--byte_fallback=true") ? "--byte_fallback=false" : s);
    f.add("--user_defined_symbols=<tool>,<s>x,@@,God,\u2581the\u2581,12");
    f.add("--control_symbols=<ctrl>,<sep>");
    f.add("--character_coverage=0.995");
    Path model = SentencePieceReference.train(dir, "userdef", TestCorpus.trainingText(prose, 5), f.toArray(String[]::new));
    List<String> extra = List.of("<tool>call<tool> <s>x <sep> <ctrl>", "God said God", "@@@@@", "the the the", "1212 123 312");
    texts.addAll(extra);
    try {
      assertSameAsSentencePiece(model);
    } finally {
      texts.removeAll(extra);
    }
  }

  @Test
  void sentencePieceDefaultWhitespaceHandlingMatches() {
    // remove_extra_whitespaces=true (SentencePiece's default): leading, trailing and repeated spaces dropped
    List<String> f = new ArrayList<>(Arrays.asList(SentencePieceReference.llamaFlags(1000)));
    f.replaceAll(s -> s.equals("--remove_extra_whitespaces=false") ? "--remove_extra_whitespaces=true" : s);
    f.replaceAll(s -> s.equals("--allow_whitespace_only_pieces=true") ? "--allow_whitespace_only_pieces=false" : s);
    assertSameAsSentencePiece(SentencePieceReference.train(dir, "trimws", TestCorpus.trainingText(prose, 9), f.toArray(String[]::new)));
  }

  @Test
  void whitespaceAsSuffixMatches() {
    List<String> f = new ArrayList<>(Arrays.asList(SentencePieceReference.llamaFlags(1000)));
    f.add("--treat_whitespace_as_suffix=true");
    assertSameAsSentencePiece(SentencePieceReference.train(dir, "suffix", TestCorpus.trainingText(prose, 13), f.toArray(String[]::new)));
  }

  @Test
  void noDummyPrefixAndNoWhitespaceSplitMatch() {
    // pieces may span spaces here, so the encoder cannot cut the text into words: the whole-text path
    List<String> f = new ArrayList<>(Arrays.asList(SentencePieceReference.llamaFlags(1000)));
    f.replaceAll(s -> s.equals("--split_by_whitespace=true") ? "--split_by_whitespace=false" : s);
    f.replaceAll(s -> s.equals("--add_dummy_prefix=true") ? "--add_dummy_prefix=false" : s);
    assertSameAsSentencePiece(SentencePieceReference.train(dir, "nosplit", TestCorpus.trainingText(prose, 17), f.toArray(String[]::new)));
  }

  @Test
  void decodingArbitraryIdsMatchesSentencePiece() {
    // random id sequences: byte pieces that form invalid UTF-8, control and unknown pieces, leading ▁ pieces
    for (Path model : List.of(sample, llama)) {
      SentencePieceTokenizer tok = SentencePieceTokenizer.load(model);
      Random r = new Random(5);
      List<int[]> seqs = new ArrayList<>();
      int space = tok.idOf("\u2581");
      for (int i = 0; i < 600; i++) {
        int[] ids = new int[r.nextInt(12)];
        for (int k = 0; k < ids.length; k++) {
          int kind = r.nextInt(4);
          ids[k] = kind == 0 ? r.nextInt(260) : kind == 1 ? space : kind == 2 ? r.nextInt(3) : r.nextInt(tok.vocabSize());
        }
        seqs.add(ids);
      }
      List<String> expected = SentencePieceReference.decode(dir, model, seqs);
      for (int i = 0; i < seqs.size(); i++) {
        assertEquals(expected.get(i), tok.decode(seqs.get(i)), model.getFileName() + ": ids " + Arrays.toString(seqs.get(i)));
      }
      int[] ids = seqs.get(3);
      assertEquals(tok.decode(Arrays.copyOfRange(ids, 1, ids.length)), tok.decode(ids, 1, ids.length));
    }
  }

  @Test
  void unigramAndNfkcModelsAreRefused() {
    String text = TestCorpus.trainingText(prose, 21);
    Path unigram = SentencePieceReference.train(dir, "unigram", text, "--model_type=unigram", "--vocab_size=800",
        "--normalization_rule_name=identity");
    Path nfkc = SentencePieceReference.train(dir, "nfkc", text, "--model_type=bpe", "--vocab_size=800",
        "--normalization_rule_name=nmt_nfkc");
    UserError e1 = assertThrows(UserError.class, () -> SentencePieceTokenizer.load(unigram));
    assertTrue(e1.getMessage().contains("unigram model"), e1.getMessage());
    UserError e2 = assertThrows(UserError.class, () -> SentencePieceTokenizer.load(nfkc));
    assertTrue(e2.getMessage().contains("normalization rule 'nmt_nfkc'"), e2.getMessage());
    for (UserError e : List.of(e1, e2)) assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
  }

  @Test
  void garbageAndMissingFilesAreUserErrors() throws Exception {
    Path junk = dir.resolve("junk.model");
    Files.write(junk, new byte[] {(byte) 0xff, (byte) 0xff, 0x07});
    assertThrows(UserError.class, () -> SentencePieceTokenizer.load(junk));
    assertThrows(UserError.class, () -> SentencePieceTokenizer.load(dir.resolve("missing.model")));
  }

  @Test
  void vocabularyAccessorsAgreeWithSentencePiece() {
    SentencePieceTokenizer tok = SentencePieceTokenizer.load(sample);
    String[] info = SentencePieceReference.run(dir, List.of("/usr/bin/python3", SentencePieceReference.script(dir).toString(), "info",
        sample.toString())).trim().split(" ");
    assertEquals(Integer.parseInt(info[0]), tok.vocabSize());
    assertEquals(Integer.parseInt(info[1]), tok.bosId());
    assertEquals(Integer.parseInt(info[2]), tok.eosId());
    assertEquals(Integer.parseInt(info[3]), tok.unkId());
    assertEquals("<s>", tok.pieceOf(tok.bosId()));
    assertEquals("<0x41>", tok.pieceOf(tok.idOf("<0x41>")));
    assertEquals(64, tok.identity().length());
    assertEquals(tok.identity(), SentencePieceTokenizer.load(tok.modelBytes()).identity());
    assertNotEquals(tok.identity(), SentencePieceTokenizer.load(llama).identity());
    assertThrows(IllegalArgumentException.class, () -> tok.pieceOf(tok.vocabSize()));
    assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {-1}));
  }

  @Test
  void serializesAsItsModelAndEncodesTheSameAfterwards() throws Exception {
    SentencePieceTokenizer tok = SentencePieceTokenizer.load(sample);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(tok);
    }
    assertTrue(bytes.size() < Files.size(sample) + 1000, "serialized form is the model bytes");
    SentencePieceTokenizer back;
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      back = (SentencePieceTokenizer) in.readObject();
    }
    assertEquals(tok.identity(), back.identity());
    for (String t : texts.subList(0, 200)) assertArrayEquals(tok.encode(t), back.encode(t));
  }

  @Test
  void concurrentEncodingEqualsSequential() throws Exception {
    SentencePieceTokenizer tok = SentencePieceTokenizer.load(llama);
    List<int[]> sequential = new ArrayList<>();
    for (String t : texts) sequential.add(tok.encode(t));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<List<int[]>>> futures = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        final int shift = w;
        futures.add(pool.submit(() -> {
          List<int[]> out = new ArrayList<>();
          for (int i = 0; i < texts.size(); i++) out.add(tok.encode(texts.get((i + shift * 97) % texts.size())));
          return out;
        }));
      }
      for (int w = 0; w < 4; w++) {
        List<int[]> got = futures.get(w).get();
        for (int i = 0; i < texts.size(); i++) assertArrayEquals(sequential.get((i + w * 97) % texts.size()), got.get(i));
      }
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void lineBreaksAreCutsAndCharactersInsidePiecesAreNot() {
    // the sample model's pieces hold no line break: each one is its own word; 'e' is inside many pieces
    SentencePieceTokenizer tok = SentencePieceTokenizer.load(sample);
    assertTrue(tok.cutsAround('\n'));
    assertFalse(tok.cutsAround('e'));
    assertFalse(tok.cutsAround('\u2581'));
    assertFalse(tok.cutsAround('\ud800'), "half of a surrogate pair");
    // the cut changes no id (SentencePiece itself is compared on multi-line texts in every model test)
    String lines = "And God said.\nLet there be light:\n\nand there was light.\n";
    assertArrayEquals(tok.encodeWithReference(lines), tok.encode(lines));
  }

  @Test
  void encoderIsReusedPerThread() {
    SentencePieceTokenizer tok = SentencePieceTokenizer.load(sample);
    SentencePieceTokenizer.Encoder e = tok.newEncoder();
    assertArrayEquals(tok.encode("In the beginning"), e.encode("In the beginning"));
    assertSame(e.ids(), e.ids());
  }
}
