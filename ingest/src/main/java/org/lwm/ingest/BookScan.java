package org.lwm.ingest;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.CRC32C;
import org.apache.spark.sql.catalyst.InternalRow;
import org.lwm.core.spark.InternalRows;
import org.lwm.ingest.dedup.MinHash;
import org.lwm.ingest.source.SourceRecord;

/**
 * The per-item work of {@code ingest books}, done in tasks. The job reads its inputs twice and holds no text in
 * between: the first pass turns every item into a {@link Seen} (its id, size, checksum and MinHash band keys, or
 * why it is rejected), small enough for the driver to decide exact and near duplicates for a whole corpus; the
 * second pass reads only the files holding books to write and turns them into rows of {@code books}, the text
 * as the UTF-8 bytes it arrived in whenever normalising changes nothing (no BOM, no CR).
 */
final class BookScan {
  private BookScan() {}

  /** An item as the first pass saw it: a book (bookId set) or a reject (reason set). */
  record Seen(String file, String source, String bookId, long nChars, long utf8Bytes, long crc, String reason, String detail,
      long[] bandKeys) implements Serializable {
    boolean rejected() {
      return reason != null;
    }

    /** The same without its band keys (what the second pass needs: the driver's copy shrinks by half). */
    Seen withoutBandKeys() {
      return bandKeys == null ? this : new Seen(file, source, bookId, nChars, utf8Bytes, crc, reason, detail, null);
    }
  }

  /** A book's normalised text with its UTF-8 form. */
  record Normalised(String text, byte[] utf8) {}

  /** First pass: what an item is; band keys only when near-duplicate detection wants them. */
  static Seen see(String file, SourceRecord r, int minChars, MinHash minHash) {
    if (r.rejected()) return new Seen(file, r.source(), null, 0, 0, 0, r.reason(), r.detail(), null);
    if (r.bytes() != null && BookText.isAsciiWithoutCr(r.bytes())) return seeAscii(file, r, minChars, minHash);
    BookText.Decoded d = r.bytes() != null ? BookText.decode(r.bytes(), minChars) : BookText.check(r.text(), minChars);
    if (!d.ok()) return new Seen(file, r.source(), null, 0, 0, 0, d.rejectReason(), d.rejectDetail(), null);
    byte[] utf8 = utf8Of(r, d.text());
    String id = sha256(utf8);
    long nChars = d.text().codePointCount(0, d.text().length());
    long[] bands = minHash == null ? null : minHash.bandKeys(d.text());
    return new Seen(file, r.source(), id, nChars, utf8.length, crc(utf8), null, null, bands);
  }

  /**
   * {@link #see} of bytes that are ASCII without a carriage return (most English books): they are their own
   * normalised text, one character a byte, so the same checks and hashes run on the bytes and no text is decoded.
   */
  private static Seen seeAscii(String file, SourceRecord r, int minChars, MinHash minHash) {
    byte[] b = r.bytes();
    if (BookText.isAsciiBlank(b)) return new Seen(file, r.source(), null, 0, 0, 0, "empty", "no text", null);
    if (b.length < minChars) {
      return new Seen(file, r.source(), null, 0, 0, 0, "too-short", b.length + " characters < ingest.min_chars " + minChars, null);
    }
    long[] bands = minHash == null ? null : minHash.bandKeysOfAscii(b);
    return new Seen(file, r.source(), sha256(b), b.length, b.length, crc(b), null, null, bands);
  }

  /**
   * Second pass: the row of {@code books} (book_id, source, title, text, n_chars) for an item the first pass saw as
   * {@code seen}; fails when the item's bytes changed between the passes (an input rewritten during the job).
   */
  static InternalRow row(SourceRecord r, Seen seen) {
    byte[] utf8;
    if (r.bytes() != null && unchangedByNormalising(r.bytes())) {
      utf8 = r.bytes(); // strict UTF-8 was checked by the first pass; the checksum below proves these are those bytes
    } else {
      String text = r.bytes() != null ? BookText.strictUtf8(r.bytes()).text() : r.text();
      utf8 = text == null ? new byte[0] : BookText.normalise(text).getBytes(StandardCharsets.UTF_8);
    }
    if (utf8.length != seen.utf8Bytes() || crc(utf8) != seen.crc()) {
      throw new IllegalStateException("ingest books: " + r.source() + " changed while it was being ingested: run the job again");
    }
    return InternalRows.row(InternalRows.string(seen.bookId()), InternalRows.string(r.source()), InternalRows.string(r.title()),
        InternalRows.utf8(utf8), seen.nChars());
  }

  /** The normalised text's UTF-8 bytes: the input's own when there is nothing to normalise. */
  private static byte[] utf8Of(SourceRecord r, String normalised) {
    if (r.bytes() != null && unchangedByNormalising(r.bytes())) return r.bytes();
    return normalised.getBytes(StandardCharsets.UTF_8);
  }

  /** No byte-order mark and no carriage return: {@link BookText#normalise} would return the text as it is. */
  static boolean unchangedByNormalising(byte[] b) {
    if (b.length >= 3 && (b[0] & 0xFF) == 0xEF && (b[1] & 0xFF) == 0xBB && (b[2] & 0xFF) == 0xBF) return false;
    return !BookText.containsCr(b);
  }

  static String sha256(byte[] utf8) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(utf8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long crc(byte[] b) {
    CRC32C c = new CRC32C();
    c.update(b);
    return c.getValue();
  }
}
