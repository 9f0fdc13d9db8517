package org.lwm.ingest.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.lwm.ingest.BookText;

/**
 * The book formats, chosen by file name: {@code .txt}; {@code .tar}/{@code .tar.gz}/{@code .tgz} archives of
 * {@code .txt} files (how Books3 was distributed), streamed entry by entry; Pile-format JSON lines
 * ({@code .jsonl}, {@code .jsonl.gz}, {@code .jsonl.zst}: {@code {"text": …, "meta": {…}}}). Parquet is read by
 * Spark itself (see BooksJob). Every item is at most {@code maxBytes}: larger ones become {@code too-large}
 * rejects and are skipped without being held in memory.
 */
public final class BookSources {
  private static final ObjectMapper JSON = new ObjectMapper();

  private BookSources() {}

  public enum Format { TXT, TAR, JSONL, PARQUET, UNSUPPORTED }

  public static Format formatOf(String name) {
    String n = name.toLowerCase();
    if (n.endsWith(".txt")) return Format.TXT;
    if (n.endsWith(".tar") || n.endsWith(".tar.gz") || n.endsWith(".tgz")) return Format.TAR;
    if (n.endsWith(".jsonl") || n.endsWith(".jsonl.gz") || n.endsWith(".jsonl.zst") || n.endsWith(".jsonl.zstd")) return Format.JSONL;
    if (n.endsWith(".parquet")) return Format.PARQUET;
    return Format.UNSUPPORTED;
  }

  /** Opens one file; {@code open} supplies its raw bytes (local or Hadoop FS). */
  public static Iterator<SourceRecord> read(String uri, long length, long maxBytes, StreamOpener open) throws IOException {
    switch (formatOf(uri)) {
      case TXT:
        if (length > maxBytes) return single(tooLarge(uri, length, maxBytes));
        try (InputStream in = open.open()) {
          byte[] bytes = Streams.readAtMost(in, maxBytes, length);
          return single(bytes == null ? tooLarge(uri, -1, maxBytes) : SourceRecord.bytes(uri, BookText.titleFromPath(uri), bytes));
        }
      case TAR:
        return new TarStream(uri, Streams.decompressed(uri, open.open()), maxBytes);
      case JSONL:
        return new PileLines(uri, Streams.decompressed(uri, open.open()), maxBytes);
      default:
        return single(SourceRecord.reject(uri, "unsupported-format",
            "not .txt, .tar(.gz), .jsonl(.gz|.zst) or .parquet"));
    }
  }

  /** Opens a file's raw byte stream. */
  @FunctionalInterface
  public interface StreamOpener {
    InputStream open() throws IOException;
  }

  static SourceRecord tooLarge(String source, long length, long maxBytes) {
    return SourceRecord.reject(source, "too-large",
        (length >= 0 ? length + " bytes" : "more bytes") + " than ingest.max_book_bytes = " + maxBytes);
  }

  private static Iterator<SourceRecord> single(SourceRecord r) {
    return Collections.singletonList(r).iterator();
  }

  /**
   * Entries of a tar stream. Only regular files inside the archive are books: an absolute name or one with a
   * {@code ..} segment is rejected (zip-slip: nothing is ever written or followed), as are links and devices.
   */
  static final class TarStream extends RecordStream {
    private final TarArchiveInputStream tar;
    private final long maxBytes;

    TarStream(String uri, InputStream in, long maxBytes) {
      this(uri, new TarArchiveInputStream(in), maxBytes);
    }

    private TarStream(String uri, TarArchiveInputStream tar, long maxBytes) {
      super(uri, tar);
      this.tar = tar;
      this.maxBytes = maxBytes;
    }

    @Override
    protected SourceRecord read() throws IOException {
      TarArchiveEntry e;
      while ((e = tar.getNextTarEntry()) != null) {
        String name = e.getName();
        String source = uri + "!/" + name;
        if (e.isDirectory()) continue;
        if (unsafe(name)) return SourceRecord.reject(source, "unsafe-path", "archive entry name is absolute or has '..': not followed");
        if (e.isSymbolicLink() || e.isLink()) return SourceRecord.reject(source, "not-a-file", "archive link to " + e.getLinkName() + ": not followed");
        if (!e.isFile()) return SourceRecord.reject(source, "not-a-file", "archive entry is not a regular file");
        String base = name.substring(name.lastIndexOf('/') + 1);
        if (base.startsWith("._") || base.startsWith(".")) continue; // macOS resource forks and hidden files, not books
        if (formatOf(name) != Format.TXT) return SourceRecord.reject(source, "unsupported-format", "archive entry is not a .txt file");
        if (e.getSize() > maxBytes) return tooLarge(source, e.getSize(), maxBytes);
        byte[] bytes = Streams.readAtMost(tar, maxBytes, e.getSize());
        if (bytes.length < e.getSize()) throw new java.io.EOFException("archive ends inside entry " + name);
        return SourceRecord.bytes(source, BookText.titleFromPath(name), bytes);
      }
      return null;
    }

    static boolean unsafe(String name) {
      String n = name.replace('\\', '/');
      if (n.startsWith("/") || n.matches("^[A-Za-z]:.*")) return true;
      for (String part : n.split("/")) if (part.equals("..")) return true;
      return false;
    }
  }

  /** Pile-format JSON lines: {@code text} is the book, the title comes from {@code meta} when present. */
  static final class PileLines extends RecordStream {
    private static final List<String> TITLE_KEYS = List.of("title", "short_book_title", "book_title", "name");
    private final Streams.BoundedLines lines;
    private final long maxBytes;

    PileLines(String uri, InputStream in, long maxBytes) {
      super(uri, in);
      this.lines = new Streams.BoundedLines(in, maxBytes);
      this.maxBytes = maxBytes;
    }

    @Override
    protected SourceRecord read() throws IOException {
      byte[] line;
      while ((line = lines.next()) != null) {
        String source = uri + "#L" + lines.lineNumber();
        if (line == Streams.BoundedLines.TOO_LONG) return tooLarge(source, -1, maxBytes);
        if (isBlank(line)) continue; // blank lines separate nothing in JSON lines
        String json;
        BookText.Decoded utf8 = BookText.strictUtf8(line);
        if (!utf8.ok()) return SourceRecord.reject(source, utf8.rejectReason(), utf8.rejectDetail());
        json = utf8.text();
        JsonNode node;
        try {
          node = JSON.readTree(json);
        } catch (IOException e) {
          return SourceRecord.reject(source, "invalid-json", Streams.oneLine(e));
        }
        JsonNode text = node == null ? null : node.get("text");
        if (text == null || !text.isTextual()) return SourceRecord.reject(source, "missing-text", "no string field \"text\"");
        String title = null;
        JsonNode meta = node.get("meta");
        if (meta != null && meta.isObject()) {
          for (String k : TITLE_KEYS) {
            JsonNode t = meta.get(k);
            if (t != null && t.isTextual() && !t.asText().isBlank()) {
              title = t.asText().strip().replaceAll("(?i)(\\.epub)?\\.txt$", "");
              break;
            }
          }
        }
        if (title == null) title = BookText.titleFromPath(uri.replaceAll("\\.(gz|zst|zstd)$", "")) + "#" + lines.lineNumber();
        return SourceRecord.text(source, title, text.asText());
      }
      return null;
    }

    private static boolean isBlank(byte[] line) {
      for (byte b : line) if (b != ' ' && b != '\t' && b != '\r') return false;
      return true;
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
