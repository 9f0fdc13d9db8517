package org.lwm.ingest.source;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** Bounded reads and decompression by file name, shared by every source. */
public final class Streams {
  private Streams() {}

  /** The stream decompressed according to the name's last extension (.gz, .zst, else as is). */
  public static InputStream decompressed(String name, InputStream raw) throws IOException {
    String n = name.toLowerCase();
    InputStream in = new BufferedInputStream(raw, 1 << 16);
    if (n.endsWith(".gz") || n.endsWith(".tgz")) return new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
    if (n.endsWith(".zst") || n.endsWith(".zstd")) return new BufferedInputStream(new com.github.luben.zstd.ZstdInputStream(in), 1 << 16);
    return in;
  }

  /**
   * {@link #readAtMost(InputStream, long)} of a stream listed as {@code expected} bytes (a file's length): read
   * straight into an array of that size, no buffer growing and no copy, and still right when the stream turns out
   * shorter or longer.
   */
  public static byte[] readAtMost(InputStream in, long max, long expected) throws IOException {
    if (expected < 0 || expected > max || expected > Integer.MAX_VALUE - 16) return readAtMost(in, max);
    // straight into an array of the listed size: no buffer growing, no copy
    byte[] b = new byte[(int) expected];
    int n = in.readNBytes(b, 0, b.length);
    if (n < b.length) return java.util.Arrays.copyOf(b, n); // shorter than listed
    int next = in.read();
    if (next < 0) return b;
    if (b.length + 1L > max) return null;
    byte[] rest = readAtMost(in, max - b.length - 1); // longer than listed (written to meanwhile)
    if (rest == null) return null;
    byte[] all = java.util.Arrays.copyOf(b, b.length + 1 + rest.length);
    all[b.length] = (byte) next;
    System.arraycopy(rest, 0, all, b.length + 1, rest.length);
    return all;
  }

  /**
   * Reads at most {@code max} bytes; returns null (having consumed {@code max + 1} bytes) when the stream holds
   * more, so one oversized item never needs more than {@code max} bytes of memory.
   */
  public static byte[] readAtMost(InputStream in, long max) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
    byte[] buf = new byte[1 << 16];
    long total = 0;
    int n;
    while ((n = in.read(buf)) > 0) {
      total += n;
      if (total > max) return null;
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }

  /**
   * Lines of a byte stream, each at most {@code max} bytes: a longer line is skipped to its end without
   * being buffered and reported as {@link #TOO_LONG}. The trailing {@code \r} of a CRLF line is removed.
   */
  public static final class BoundedLines {
    public static final byte[] TOO_LONG = new byte[0];
    private final InputStream in;
    private final int max;
    private final byte[] chunk = new byte[1 << 16];
    private int pos;
    private int limit;
    private boolean eof;
    private long lineNumber;

    public BoundedLines(InputStream in, long max) {
      this.in = in;
      this.max = (int) Math.min(Integer.MAX_VALUE - 16, max);
    }

    /** 1-based number of the line last returned. */
    public long lineNumber() {
      return lineNumber;
    }

    private boolean fill() throws IOException {
      if (eof) return false;
      int n = in.read(chunk);
      while (n == 0) n = in.read(chunk);
      if (n < 0) {
        eof = true;
        return false;
      }
      pos = 0;
      limit = n;
      return true;
    }

    /** The next line without its terminator, {@link #TOO_LONG}, or null at the end of the stream. */
    public byte[] next() throws IOException {
      if (pos == limit && !fill()) return null;
      lineNumber++;
      ByteArrayOutputStream line = null; // only when a line spans chunks
      long len = 0;
      boolean tooLong = false;
      while (true) {
        int start = pos;
        int nl = -1;
        for (int i = pos; i < limit; i++) {
          if (chunk[i] == '\n') {
            nl = i;
            break;
          }
        }
        int end = nl >= 0 ? nl : limit;
        int n = end - start;
        if (!tooLong && len + n > max) tooLong = true;
        len += n;
        if (!tooLong) {
          if (nl >= 0 && line == null) {
            pos = nl + 1;
            return trimCr(java.util.Arrays.copyOfRange(chunk, start, end));
          }
          if (line == null) line = new ByteArrayOutputStream(Math.max(8192, n * 2));
          line.write(chunk, start, n);
        } else {
          line = null;
        }
        if (nl >= 0) {
          pos = nl + 1;
          break;
        }
        pos = limit;
        if (!fill()) break;
      }
      if (tooLong) return TOO_LONG;
      return trimCr(line == null ? new byte[0] : line.toByteArray());
    }

    private static byte[] trimCr(byte[] b) {
      return b.length > 0 && b[b.length - 1] == '\r' ? java.util.Arrays.copyOf(b, b.length - 1) : b;
    }
  }

  /** One line for a reject's detail: the exception's message without stack or line breaks. */
  public static String oneLine(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
