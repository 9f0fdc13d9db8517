package org.lwm.ingest.source;

/**
 * One item read from an input: a document's raw bytes with where it came from, or why the item could not
 * be read. {@code source} names the item exactly: a file URI, {@code <archive>!/<entry>} for a tar entry,
 * {@code <file>#L<line>} for a JSON line.
 */
public record SourceRecord(String source, String title, byte[] bytes, String text, String reason, String detail) {
  public static SourceRecord bytes(String source, String title, byte[] bytes) {
    return new SourceRecord(source, title, bytes, null, null, null);
  }

  /** Text that arrived already decoded (a JSON string); it still goes through the same checks. */
  public static SourceRecord text(String source, String title, String text) {
    return new SourceRecord(source, title, null, text, null, null);
  }

  public static SourceRecord reject(String source, String reason, String detail) {
    return new SourceRecord(source, null, null, null, reason, detail);
  }

  public boolean rejected() {
    return reason != null;
  }
}
