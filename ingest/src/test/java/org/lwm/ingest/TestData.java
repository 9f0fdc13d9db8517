package org.lwm.ingest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Deterministic books and archives for the tests: random words, so unrelated books share almost no shingles. */
final class TestData {
  private static final String[] WORDS = ("the and of to in that he shall unto for his a lord they be is him not them it with all thou "
      + "thy was god which my me said but ye their have will thee from as are when this out were by you up there hath then people "
      + "came had house into on her before land also son king men day behold went even hand one what against children israel so "
      + "upon your an these no come saying go now brought city like father us away because whom made earth name man sons over").split(" ");

  private TestData() {}

  /** {@code words} random words in lines of 12, seeded. */
  static String book(long seed, int words) {
    Random rnd = new Random(seed);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < words; i++) {
      sb.append(WORDS[rnd.nextInt(WORDS.length)]);
      sb.append(i % 12 == 11 ? '\n' : ' ');
    }
    return sb.toString();
  }

  /** The same text with {@code changes} words replaced by a word found in no book. */
  static String edited(String text, int changes, long seed) {
    String[] w = text.split(" ", -1);
    Random rnd = new Random(seed);
    for (int i = 0; i < changes; i++) w[rnd.nextInt(w.length)] = "zyzzyva" + i;
    return String.join(" ", w);
  }

  /** A tar (gzip-compressed when asked) of the given entries, names written as given (absolute kept). */
  static byte[] tar(Map<String, byte[]> entries, boolean gzip) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    OutputStream out = gzip ? new GZIPOutputStream(bytes) : bytes;
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        TarArchiveEntry entry = new TarArchiveEntry(e.getKey(), true);
        entry.setSize(e.getValue().length);
        tar.putArchiveEntry(entry);
        tar.write(e.getValue());
        tar.closeArchiveEntry();
      }
    }
    return bytes.toByteArray();
  }

  static byte[] zstd(String text) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream z = new com.github.luben.zstd.ZstdOutputStream(bytes)) {
      z.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return bytes.toByteArray();
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** A Pile-format JSON line. */
  static String pile(String text, String title) {
    String meta = title == null ? "{\"pile_set_name\": \"Books3\"}" : "{\"pile_set_name\": \"Books3\", \"short_book_title\": " + json(title) + "}";
    return "{\"text\": " + json(text) + ", \"meta\": " + meta + "}";
  }

  static String json(String s) {
    try {
      return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(s);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
