package org.lwm.ingest.source;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Items of one input file, pulled one at a time so a Spark task streams an archive without holding it.
 * A read error (a truncated {@code .gz}/{@code .zst}, a corrupt tar) ends the stream with one reject for the
 * file, after the items read before it; the stream closes its input when it ends.
 */
public abstract class RecordStream implements Iterator<SourceRecord>, Closeable {
  protected final String uri;
  private final InputStream in;
  private SourceRecord next;
  private boolean done;

  protected RecordStream(String uri, InputStream in) {
    this.uri = uri;
    this.in = in;
  }

  /** The next item, or null at the end. */
  protected abstract SourceRecord read() throws IOException;

  @Override
  public boolean hasNext() {
    if (next != null) return true;
    if (done) return false;
    try {
      next = read();
    } catch (IOException | RuntimeException e) {
      next = SourceRecord.reject(uri, failureReason(e), Streams.oneLine(e));
      done = true;
    }
    if (next == null) {
      done = true;
      closeQuietly();
    }
    if (done && next != null) closeQuietly();
    return next != null;
  }

  @Override
  public SourceRecord next() {
    if (!hasNext()) throw new NoSuchElementException();
    SourceRecord r = next;
    next = null;
    return r;
  }

  /** Why reading stopped: an early end of data is a truncated file, anything else a corrupt one. */
  static String failureReason(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.io.EOFException) return "truncated";
      String m = String.valueOf(t.getMessage()).toLowerCase();
      if (m.contains("truncated") || m.contains("unexpected end") || m.contains("premature end")) return "truncated";
    }
    return "corrupt-file";
  }

  private void closeQuietly() {
    try {
      close();
    } catch (IOException ignored) {
      // the items are read; a failing close changes nothing about them
    }
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
