package org.lwm.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lwm.ingest.dedup.MinHash;
import org.lwm.ingest.source.SourceRecord;

/** The first pass's ASCII shortcut sees every item exactly as the decoding path does. */
class BookScanTest {
  private static final MinHash MIN_HASH = new MinHash(5, 16, 8, 42);

  @Test
  void asciiBytesAreSeenAsTheirDecodedText() {
    Random r = new Random(11);
    String alphabet = "ab Z9\n\t.,\u000b\u001c";
    for (int trial = 0; trial < 400; trial++) {
      StringBuilder sb = new StringBuilder();
      int n = r.nextInt(trial < 100 ? 30 : 2000);
      for (int i = 0; i < n; i++) sb.append(trial % 7 == 0 ? ' ' : alphabet.charAt(r.nextInt(alphabet.length())));
      byte[] bytes = sb.toString().getBytes(StandardCharsets.US_ASCII);
      assertTrue(BookText.isAsciiWithoutCr(bytes));
      BookScan.Seen fast = BookScan.see("f", SourceRecord.bytes("s", "t", bytes), 20, MIN_HASH);
      // the same text through the general path: decoded from a JSON string
      BookScan.Seen slow = BookScan.see("f", SourceRecord.text("s", "t", sb.toString()), 20, MIN_HASH);
      String where = "trial " + trial + " (" + n + " characters)";
      assertEquals(slow.bookId(), fast.bookId(), where);
      assertEquals(slow.reason(), fast.reason(), where);
      assertEquals(slow.detail(), fast.detail(), where);
      assertEquals(slow.nChars(), fast.nChars(), where);
      assertEquals(slow.utf8Bytes(), fast.utf8Bytes(), where);
      assertEquals(slow.crc(), fast.crc(), where);
      assertArrayEquals(slow.bandKeys(), fast.bandKeys(), where);
    }
  }

  @Test
  void onlyAsciiWithoutCarriageReturnsTakesTheShortcut() {
    assertTrue(BookText.isAsciiWithoutCr(new byte[0]));
    for (int len = 1; len < 40; len++) {
      for (int at = 0; at < len; at++) {
        byte[] b = "x".repeat(len).getBytes(StandardCharsets.US_ASCII);
        assertTrue(BookText.isAsciiWithoutCr(b));
        assertFalse(BookText.containsCr(b));
        b[at] = '\r';
        assertFalse(BookText.isAsciiWithoutCr(b), "CR at " + at + " of " + len);
        assertTrue(BookText.containsCr(b), "CR at " + at + " of " + len);
        b[at] = (byte) 0xC3;
        assertFalse(BookText.isAsciiWithoutCr(b), "a non-ASCII byte at " + at + " of " + len);
        b[at] = 0x0C; // a byte near CR (one bit apart) is not one
        assertTrue(BookText.isAsciiWithoutCr(b));
      }
    }
  }
}
