package org.lwm.core.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Varied text for training small models and for comparing encodings with SentencePiece: English prose
 * (the sample's KJV books), code, whitespace runs and tabs, digits, CJK, Arabic, emoji and other
 * characters outside any small vocabulary, combining marks, the {@code ▁} character itself, literal
 * {@code <s>}, empty lines. Deterministic for a seed.
 */
final class TestCorpus {
  private TestCorpus() {}

  static final String[] CODE = {
    "public static void main(String[] args) {", "    for (int i = 0; i < n; i++) { sum += a[i] * b[i]; }",
    "\tif (x != null && x.size() > 0) return x.get(0);", "def f(x):\n", "    return {'a': [1, 2, 3], \"b\": None}  # comment",
    "#include <stdio.h>\t\t// tabs", "SELECT id, name FROM users WHERE age >= 21 ORDER BY name;", "x = y ** 2 // 3 % 7 ^ 0xFF",
    "fn main() -> Result<(), Box<dyn Error>> { Ok(()) }", "<div class=\"a\">&nbsp;</div>", "$ git commit -m 'fix: off-by-one'",
  };
  static final String[] CJK = {
    "日本語のテキストです。", "東京は日本の首都です", "我们今天去北京。", "한국어 문장입니다.", "カタカナとひらがなと漢字", "中文，標點符號！"
  };
  static final String[] ARABIC = {"مرحبا بالعالم", "اللغة العربية جميلة جدا", "שלום עולם", "Привет, мир! Ёжик."};
  static final String[] RARE = {
    "😀", "🎉🎉", "👩‍💻", "🇫🇷", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "\u0000", "\u007f", "\uFFFD", "\u00A0", "\u3000", "\u200B", "\uFEFF", "ﬁ", "①", "Ⅻ",
    "e\u0301", "a\u0308\u0323", "\u0915\u094D\u0937", "ä", "Å", "\u2581", "\u2581\u2581x", "<s>", "</s>", "<unk>", "<0x41>",
    "<pad>", "\r", "\u000b", "\f", "\u0085", "\u2028", "ñ", "ß", "Ω", "∑", "≠", "→", "€", "£", "¥", "©"
  };
  static final String[] WHITESPACE = {" ", "  ", "   ", "    ", "        ", "\t", "\t\t", " \t ", "\t  \t", "", "     x", "x     "};

  /** The sample books' lines (non-blank, trimmed of nothing), for prose. */
  static List<String> bookLines(Path repoRoot) {
    List<String> lines = new ArrayList<>();
    try (Stream<Path> files = Files.list(repoRoot.resolve("samples/books"))) {
      for (Path f : files.sorted().toList()) lines.addAll(Files.readAllLines(f, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return lines;
  }

  /** {@code n} lines mixing every kind above with prose. */
  static List<String> mixed(List<String> prose, int n, long seed, boolean withRare) {
    Random r = new Random(seed);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      StringBuilder sb = new StringBuilder();
      int parts = 1 + r.nextInt(6);
      for (int p = 0; p < parts; p++) {
        int kind = r.nextInt(withRare ? 9 : 7);
        switch (kind) {
          case 0, 1, 2 -> sb.append(prose.get(r.nextInt(prose.size())));
          case 3 -> sb.append(CODE[r.nextInt(CODE.length)].replace("\n", ""));
          case 4 -> sb.append(r.nextInt(3) == 0 ? Long.toString(r.nextLong()) : Integer.toString(r.nextInt(100000)));
          case 5 -> sb.append(WHITESPACE[r.nextInt(WHITESPACE.length)]);
          case 6 -> sb.append(r.nextBoolean() ? CJK[r.nextInt(CJK.length)] : ARABIC[r.nextInt(ARABIC.length)]);
          default -> sb.append(RARE[r.nextInt(RARE.length)]);
        }
        if (r.nextInt(3) > 0) sb.append(' ');
      }
      out.add(sb.toString());
    }
    return out;
  }

  /**
   * Book-like texts of several lines: prose and code joined by line breaks of several kinds, the shape
   * ingest tokenize encodes (training text is one sentence per line, so no piece holds a line break).
   */
  static List<String> multiline(List<String> prose, int n, long seed) {
    String[] breaks = {"\n", "\n\n", "\r\n", " \n ", "\n\t", "\n\n\n", "\u2029", "\f"};
    Random r = new Random(seed);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      StringBuilder sb = new StringBuilder();
      int lines = 2 + r.nextInt(8);
      for (int l = 0; l < lines; l++) {
        if (l > 0) sb.append(breaks[r.nextInt(breaks.length)]);
        sb.append(r.nextInt(5) == 0 ? CODE[r.nextInt(CODE.length)] : prose.get(r.nextInt(prose.size())));
      }
      if (r.nextBoolean()) sb.append('\n');
      out.add(sb.toString());
    }
    return out;
  }

  /** Training text: prose, code, digits, some CJK and Arabic; no emoji or rare symbols (they must fall back). */
  static String trainingText(List<String> prose, long seed) {
    Random r = new Random(seed);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 4000; i++) sb.append(prose.get(r.nextInt(prose.size()))).append('\n');
    for (String line : mixed(prose, 1500, seed + 1, false)) sb.append(line.replace("\r", "")).append('\n');
    return sb.toString();
  }
}
