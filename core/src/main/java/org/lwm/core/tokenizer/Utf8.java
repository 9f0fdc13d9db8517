package org.lwm.core.tokenizer;

/**
 * UTF-8 decoding with SentencePiece's rule for malformed input: each byte that does not start a valid,
 * shortest-form, non-surrogate sequence becomes one U+FFFD and decoding resumes at the next byte (Java's
 * decoders replace a maximal malformed subsequence instead, which gives fewer U+FFFD).
 */
final class Utf8 {
  private Utf8() {}

  private static boolean trail(byte b) {
    return (b & 0xC0) == 0x80;
  }

  /**
   * Decodes one character at {@code b[i]} (before {@code end}); returns {@code (length << 32) | codePoint},
   * with code point 0xFFFD and length 1 when malformed.
   */
  static long decodeOne(byte[] b, int i, int end) {
    int b0 = b[i] & 0xff;
    int len = end - i;
    if (b0 < 0x80) return (1L << 32) | b0;
    if (len >= 2 && (b0 & 0xE0) == 0xC0) {
      int cp = ((b0 & 0x1F) << 6) | (b[i + 1] & 0x3F);
      if (trail(b[i + 1]) && cp >= 0x80) return (2L << 32) | cp;
    } else if (len >= 3 && (b0 & 0xF0) == 0xE0) {
      int cp = ((b0 & 0x0F) << 12) | ((b[i + 1] & 0x3F) << 6) | (b[i + 2] & 0x3F);
      if (trail(b[i + 1]) && trail(b[i + 2]) && cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) return (3L << 32) | cp;
    } else if (len >= 4 && (b0 & 0xF8) == 0xF0) {
      int cp = ((b0 & 0x07) << 18) | ((b[i + 1] & 0x3F) << 12) | ((b[i + 2] & 0x3F) << 6) | (b[i + 3] & 0x3F);
      if (trail(b[i + 1]) && trail(b[i + 2]) && trail(b[i + 3]) && cp >= 0x10000 && cp <= 0x10FFFF) return (4L << 32) | cp;
    }
    return (1L << 32) | 0xFFFD;
  }

  static void decodeLikeSentencePiece(byte[] b, int from, int to, StringBuilder out) {
    for (int i = from; i < to; ) {
      long r = decodeOne(b, i, to);
      out.appendCodePoint((int) r);
      i += (int) (r >>> 32);
    }
  }

  /** Decodes {@code b[from..to)} into {@code out} (which must hold {@code to - from} chars); returns the char count. */
  static int decode(byte[] b, int from, int to, char[] out) {
    int o = 0;
    int i = from;
    while (i < to) {
      byte x = b[i];
      if (x >= 0) {
        out[o++] = (char) x;
        i++;
        continue;
      }
      long r = decodeOne(b, i, to);
      int cp = (int) r;
      if (cp >= 0x10000) {
        out[o++] = Character.highSurrogate(cp);
        out[o++] = Character.lowSurrogate(cp);
      } else {
        out[o++] = (char) cp;
      }
      i += (int) (r >>> 32);
    }
    return o;
  }
}
