package org.lwm.ingest;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A book's text as the lake keeps it: strict UTF-8, byte-order mark removed, line endings normalised to
 * {@code \n}, otherwise exactly as written. {@code book_id} is the SHA-256 of that text. Every book format
 * (txt, tar entries, JSON lines, Parquet) goes through {@link #decode} or {@link #check}.
 */
public final class BookText {
  private BookText() {}

  /** Either the normalised text or why the input cannot be a book. */
  public record Decoded(String text, String rejectReason, String rejectDetail) {
    public boolean ok() {
      return text != null;
    }
  }

  /** Raw bytes: strict UTF-8, then the same checks as {@link #check}. */
  public static Decoded decode(byte[] bytes, int minChars) {
    Decoded d = strictUtf8(bytes);
    return d.ok() ? check(d.text(), minChars) : d;
  }

  /** Bytes to text, refusing malformed UTF-8 (no replacement characters). */
  public static Decoded strictUtf8(byte[] bytes) {
    try {
      CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
      return new Decoded(chars.toString(), null, null);
    } catch (CharacterCodingException e) {
      return new Decoded(null, "invalid-utf8", "not valid UTF-8 at byte " + firstBadByte(bytes));
    }
  }

  /**
   * Text that arrived decoded (JSON strings, Parquet): an unpaired surrogate (a JSON {@code \ud800} escape)
   * has no UTF-8 form and is refused like malformed bytes; then BOM, line endings, emptiness, minimum length.
   */
  public static Decoded check(String text, int minChars) {
    int bad = unpairedSurrogate(text);
    if (bad >= 0) return new Decoded(null, "invalid-utf8", "unpaired surrogate at character " + bad);
    text = normalise(text);
    if (text.isBlank()) return new Decoded(null, "empty", "no text");
    int n = text.codePointCount(0, text.length());
    if (n < minChars) return new Decoded(null, "too-short", n + " characters < ingest.min_chars " + minChars);
    return new Decoded(text, null, null);
  }

  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long HIGH_BITS = 0x8080808080808080L;
  private static final long ONES = 0x0101010101010101L;

  /**
   * No byte at or above 0x80 and no carriage return: the bytes are valid UTF-8, one character each, with no BOM, and
   * {@link #normalise} changes nothing. Eight bytes at a time.
   */
  public static boolean isAsciiWithoutCr(byte[] b) {
    int i = 0;
    for (; i + 8 <= b.length; i += 8) {
      long x = (long) LONGS.get(b, i);
      long cr = x ^ (ONES * '\r'); // a zero byte where x has a CR
      if ((x & HIGH_BITS) != 0 || ((cr - ONES) & ~cr & HIGH_BITS) != 0) return false;
    }
    for (; i < b.length; i++) if (b[i] < 0 || b[i] == '\r') return false;
    return true;
  }

  /** Whether a carriage return is among the bytes (a CR byte is one in UTF-8 too). Eight bytes at a time. */
  public static boolean containsCr(byte[] b) {
    int i = 0;
    for (; i + 8 <= b.length; i += 8) {
      long cr = (long) LONGS.get(b, i) ^ (ONES * '\r');
      if (((cr - ONES) & ~cr & HIGH_BITS) != 0) return true;
    }
    for (; i < b.length; i++) if (b[i] == '\r') return true;
    return false;
  }

  /** ASCII bytes that are all whitespace ({@link String#isBlank} of their text). */
  public static boolean isAsciiBlank(byte[] b) {
    for (byte x : b) if (!Character.isWhitespace(x)) return false;
    return true;
  }

  /** Strips a leading BOM and turns CRLF and lone CR into LF. */
  public static String normalise(String text) {
    if (!text.isEmpty() && text.charAt(0) == '\uFEFF') text = text.substring(1);
    if (text.indexOf('\r') >= 0) text = text.replace("\r\n", "\n").replace('\r', '\n');
    return text;
  }

  public static String bookId(String normalisedText) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(normalisedText.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int unpairedSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) i++;
        else return i;
      } else if (Character.isLowSurrogate(c)) {
        return i;
      }
    }
    return -1;
  }

  private static long firstBadByte(byte[] bytes) {
    var dec = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length + 1);
    dec.decode(in, out, true);
    return in.position();
  }

  /** Title from a file name: the name without folders and extension. */
  public static String titleFromPath(String path) {
    String name = path.substring(path.lastIndexOf('/') + 1);
    int dot = name.lastIndexOf('.');
    return dot > 0 ? name.substring(0, dot) : name;
  }
}
