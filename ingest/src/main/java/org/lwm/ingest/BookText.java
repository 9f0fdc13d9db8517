package org.lwm.ingest;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A book's text as the lake keeps it: strict UTF-8, byte-order mark removed, line endings normalised to
 * {@code \n}, otherwise exactly as written. {@code book_id} is the SHA-256 of that text.
 */
public final class BookText {
  private BookText() {}

  /** Either the normalised text or why the input cannot be a book. */
  public record Decoded(String text, String rejectReason, String rejectDetail) {
    public boolean ok() {
      return text != null;
    }
  }

  public static Decoded decode(byte[] bytes, int minChars) {
    String text;
    try {
      CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
      text = chars.toString();
    } catch (CharacterCodingException e) {
      return new Decoded(null, "invalid-utf8", "not valid UTF-8 at byte " + firstBadByte(bytes));
    }
    text = normalise(text);
    if (text.isBlank()) return new Decoded(null, "empty", bytes.length + " bytes, no text");
    int n = text.codePointCount(0, text.length());
    if (n < minChars) return new Decoded(null, "too-short", n + " characters < minimum " + minChars);
    return new Decoded(text, null, null);
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
