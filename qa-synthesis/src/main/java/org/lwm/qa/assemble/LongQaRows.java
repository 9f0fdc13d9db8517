package org.lwm.qa.assemble;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.ArrayBasedMapData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.unsafe.types.UTF8String;
import org.lwm.core.spark.Tallies;

/**
 * One partition of chunks and their pairs, grouped by book and sorted by chunk index (a chunk's row before its
 * pair's: book_id, chunk_index, text, n_tokens, question, answer, with text null on a pair's row), as
 * {@code long_qa} rows: each book is gathered, assembled at every target length and its examples handed out before
 * the next book is read, so a task holds one book. A pair whose chunk is missing is ignored (as a left join from
 * the chunks would). Tallies per length ({@link #TALLIES}, {@code max_tokens_T}) and the chunks and books seen go
 * to {@code tallies}.
 */
final class LongQaRows implements Iterator<InternalRow> {
  static final String[] TALLIES = {"examples", "turns", "tokens", "books_too_short", "windows_without_qa", "tail_windows_dropped",
      "chunks_dropped_to_fit"};

  private final Iterator<InternalRow> in;
  private final LongQaAssembler assembler;
  private final List<Integer> lengths;
  private final Tallies tallies;
  private final ArrayDeque<InternalRow> ready = new ArrayDeque<>();
  private InternalRow pending; // the first row of the next book

  LongQaRows(Iterator<InternalRow> in, LongQaAssembler assembler, List<Integer> lengths, Tallies tallies) {
    this.in = in;
    this.assembler = assembler;
    this.lengths = lengths;
    this.tallies = tallies;
  }

  @Override
  public boolean hasNext() {
    while (ready.isEmpty() && (pending != null || in.hasNext())) nextBook();
    return !ready.isEmpty();
  }

  @Override
  public InternalRow next() {
    if (!hasNext()) throw new NoSuchElementException();
    return ready.poll();
  }

  private void nextBook() {
    String bookId = null;
    List<LongQaAssembler.ChunkText> texts = new ArrayList<>();
    Map<Integer, LongQaAssembler.Pair> byChunk = new HashMap<>();
    while (pending != null || in.hasNext()) {
      InternalRow r = pending != null ? pending : in.next();
      String id = r.getUTF8String(0).toString(); // copied: the sorter reuses its row buffers
      if (bookId != null && !id.equals(bookId)) {
        pending = r.copy();
        break;
      }
      pending = null;
      bookId = id;
      int index = r.getInt(1);
      if (!r.isNullAt(2)) {
        LongQaAssembler.ChunkText c = new LongQaAssembler.ChunkText(index, r.getUTF8String(2).toString(), r.getInt(3));
        if (!texts.isEmpty() && texts.get(texts.size() - 1).index() == index) texts.set(texts.size() - 1, c);
        else texts.add(c);
      } else if (!r.isNullAt(4) && !texts.isEmpty() && texts.get(texts.size() - 1).index() == index) {
        byChunk.put(index, new LongQaAssembler.Pair(index, r.getUTF8String(4).toString(), r.isNullAt(5) ? null : r.getUTF8String(5).toString()));
      }
    }
    if (texts.isEmpty()) return; // pairs of a book without chunks
    tallies.add("books", 1);
    tallies.add("chunks", texts.size());
    for (int t : lengths) {
      LongQaAssembler.Tally tally = new LongQaAssembler.Tally();
      for (LongQaAssembler.Example ex : assembler.assemble(bookId, texts, byChunk, t, tally)) {
        ready.add(row(ex));
        tallies.max("max_tokens_" + t, ex.nTokens());
      }
      long[] v = {tally.examples, tally.turns, tally.tokens, tally.booksTooShort, tally.windowsWithoutQa, tally.tailWindowsDropped, tally.chunksDroppedToFit};
      for (int i = 0; i < TALLIES.length; i++) tallies.add(TALLIES[i] + "_" + t, v[i]);
    }
  }

  /** An example as a row of {@link AssembleJob#SCHEMA}. */
  static InternalRow row(LongQaAssembler.Example ex) {
    Object[] turns = new Object[ex.turns().size()];
    for (int i = 0; i < turns.length; i++) {
      turns[i] = new GenericInternalRow(new Object[] {utf8(ex.turns().get(i).question()), utf8(ex.turns().get(i).answer())});
    }
    Map<String, String> parts = ex.formatted().parts();
    Object[] keys = new Object[parts.size()];
    Object[] values = new Object[parts.size()];
    int k = 0;
    for (Map.Entry<String, String> e : parts.entrySet()) {
      keys[k] = utf8(e.getKey());
      values[k++] = utf8(e.getValue());
    }
    return new GenericInternalRow(new Object[] {utf8(ex.exampleId()), ex.targetLength(), utf8(ex.bookId()), ex.chunkStart(), ex.chunkEnd(),
        utf8(ex.context()), new GenericArrayData(turns), ex.nTokens(), utf8(ex.formatted().fields()),
        new ArrayBasedMapData(new GenericArrayData(keys), new GenericArrayData(values))});
  }

  private static UTF8String utf8(String s) {
    return s == null ? null : UTF8String.fromString(s);
  }
}
