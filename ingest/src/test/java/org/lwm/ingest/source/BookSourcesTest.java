package org.lwm.ingest.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.lwm.ingest.BookText;

class BookSourcesTest {
  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static List<SourceRecord> all(Iterator<SourceRecord> it) {
    List<SourceRecord> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }

  @Test
  void textIsStrictUtf8WithBomAndLineEndingsNormalisedOnly() {
    assertEquals("a\nb\nc\n  d\t", BookText.decode(utf8("\uFEFFa\r\nb\rc\n  d\t"), 1).text());
    BookText.Decoded bad = BookText.decode(new byte[] {'o', 'k', (byte) 0xFF, 'x'}, 1);
    assertEquals("invalid-utf8", bad.rejectReason());
    assertTrue(bad.rejectDetail().contains("byte 2"), bad.rejectDetail());
    assertEquals("empty", BookText.decode(utf8("\uFEFF \n\r\n"), 1).rejectReason());
    assertEquals("too-short", BookText.decode(utf8("four"), 5).rejectReason());
    assertEquals("invalid-utf8", BookText.check("lone \uD800 surrogate", 1).rejectReason());
    assertEquals(BookText.bookId("x\ny"), BookText.bookId(BookText.decode(utf8("x\r\ny"), 1).text()));
  }

  @Test
  void tarEntriesAreStreamedAndUnsafeNamesLinksAndOversizedEntriesRejected() throws Exception {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("dir/ok.txt", utf8("a book"));
    entries.put("../up.txt", utf8("escape"));
    entries.put("/etc/passwd.txt", utf8("absolute"));
    entries.put("dir/a/../../b.txt", utf8("sneaky"));
    entries.put("dir/big.txt", new byte[2000]);
    entries.put("dir/image.png", new byte[10]);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        TarArchiveEntry entry = new TarArchiveEntry(e.getKey(), true);
        entry.setSize(e.getValue().length);
        tar.putArchiveEntry(entry);
        tar.write(e.getValue());
        tar.closeArchiveEntry();
      }
      TarArchiveEntry link = new TarArchiveEntry("dir/link.txt", TarArchiveEntry.LF_SYMLINK);
      link.setLinkName("/etc/shadow");
      tar.putArchiveEntry(link);
      tar.closeArchiveEntry();
    }
    byte[] tgz = bytes.toByteArray();
    List<SourceRecord> rs = all(BookSources.read("s3a://b/x.tar.gz", tgz.length, 1000, () -> new ByteArrayInputStream(tgz)));
    assertEquals(7, rs.size());
    assertEquals("s3a://b/x.tar.gz!/dir/ok.txt", rs.get(0).source());
    assertEquals("ok", rs.get(0).title());
    assertArrayEquals(utf8("a book"), rs.get(0).bytes());
    assertEquals(List.of("unsafe-path", "unsafe-path", "unsafe-path", "too-large", "unsupported-format", "not-a-file"),
        rs.subList(1, 7).stream().map(SourceRecord::reason).toList());

    // cut inside the archive: what came before is kept, then one 'truncated' reject for the archive
    byte[] cut = Arrays.copyOf(tgz, tgz.length - 40);
    List<SourceRecord> partial = all(BookSources.read("x.tar.gz", cut.length, 1000, () -> new ByteArrayInputStream(cut)));
    SourceRecord last = partial.get(partial.size() - 1);
    assertEquals("x.tar.gz", last.source());
    assertEquals("truncated", last.reason(), last.detail());
  }

  @Test
  void aStreamOfAListedLengthIsReadWhateverItsRealLength() throws Exception {
    byte[] ten = "0123456789".getBytes(StandardCharsets.US_ASCII);
    for (long listed : new long[] {-1, 0, 5, 9, 10, 11, 40}) {
      for (long max : new long[] {9, 10, 11, 100}) {
        byte[] got = Streams.readAtMost(new ByteArrayInputStream(ten), max, listed);
        String where = "listed " + listed + ", max " + max;
        if (max < ten.length) assertNull(got, where);
        else assertArrayEquals(ten, got, where);
      }
    }
  }

  @Test
  void linesAreBoundedAndAnOverlongLineIsSkippedNotBuffered() throws Exception {
    byte[] data = utf8("short\r\n" + "x".repeat(200_000) + "\nafter\nlast-no-newline");
    Streams.BoundedLines lines = new Streams.BoundedLines(new ByteArrayInputStream(data), 1000);
    assertArrayEquals(utf8("short"), lines.next());
    assertSame(Streams.BoundedLines.TOO_LONG, lines.next());
    assertArrayEquals(utf8("after"), lines.next());
    assertEquals(3, lines.lineNumber());
    assertArrayEquals(utf8("last-no-newline"), lines.next());
    assertNull(lines.next());
    // a file over the limit is not read beyond limit + 1 bytes
    InputStream endless = new InputStream() {
      long served;

      @Override
      public int read() {
        served++;
        return 'a';
      }
    };
    assertNull(Streams.readAtMost(endless, 5000));
  }

  @Test
  void pileLinesTakeTheTitleFromMetaAndRejectBadLines() throws Exception {
    String jsonl = "{\"text\": \"T1\", \"meta\": {\"title\": \"First\"}}\n\n{\"text\": 5}\n{broken\n{\"text\": \"T2\"}\n";
    List<SourceRecord> rs = all(BookSources.read("f.jsonl", 0, 1 << 20, () -> new ByteArrayInputStream(utf8(jsonl))));
    assertEquals(4, rs.size());
    assertEquals("First", rs.get(0).title());
    assertEquals("T1", rs.get(0).text());
    assertEquals("f.jsonl#L3", rs.get(1).source());
    assertEquals("missing-text", rs.get(1).reason());
    assertEquals("invalid-json", rs.get(2).reason());
    assertEquals("f#5", rs.get(3).title());
    assertFalse(rs.get(3).rejected());
  }
}
