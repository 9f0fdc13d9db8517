package org.lwm.qa.chunk;

import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.unsafe.types.UTF8String;
import org.apache.spark.util.CollectionAccumulator;
import org.lwm.core.spark.Tallies;

/**
 * One partition of {@code book_tokens} (book_id, tokens) as {@code chunks} rows, lazily: a book's tokens are read
 * once as an {@code int[]} and its blocks decoded one at a time as the writer asks, so a task holds one book's
 * tokens and one block's text, never a partition's output. Counts books, books with chunks, chunks and tokens into
 * {@code tallies} and the ids of books without tokens into {@code empty} (they become rejects).
 */
final class ChunkRows implements Iterator<InternalRow> {
  private final Iterator<InternalRow> books;
  private final Chunker chunker;
  private final Tallies tallies;
  private final CollectionAccumulator<String> empty;
  private UTF8String bookId;
  private int[] tokens;
  private int next;
  private int count;

  ChunkRows(Iterator<InternalRow> books, Chunker chunker, Tallies tallies, CollectionAccumulator<String> empty) {
    this.books = books;
    this.chunker = chunker;
    this.tallies = tallies;
    this.empty = empty;
  }

  @Override
  public boolean hasNext() {
    while (next >= count) {
      if (!books.hasNext()) return false;
      InternalRow r = books.next();
      bookId = r.getUTF8String(0).clone(); // the scan reuses its row buffers
      tokens = r.getArray(1).toIntArray();
      next = 0;
      count = chunker.count(tokens.length);
      tallies.add("books", 1);
      if (count == 0) empty.add(bookId.toString());
      else tallies.add("books_chunked", 1);
    }
    return true;
  }

  @Override
  public InternalRow next() {
    if (!hasNext()) throw new NoSuchElementException();
    Chunker.Chunk c = chunker.chunk(tokens, next++);
    tallies.add("chunks", 1);
    tallies.add("tokens", c.nTokens());
    if (next == count) tokens = null; // the book's last block: let its tokens go before the next book is read
    return new GenericInternalRow(new Object[] {bookId, c.index(), c.tokenStart(), c.tokenEnd(), c.nTokens(), UTF8String.fromString(c.text())});
  }
}
