package org.lwm.packing.read;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.lwm.core.records.PackedRow;

/**
 * One stage's packed rows by position in seq_id order, fetched one at a time: what {@link PackedReader} shuffles
 * and deals out. {@link PackedRowFile} reads them from a file (bounded memory); {@link #of(List)} holds them.
 */
public interface PackedRowSource {
  int size();

  /** The row at position {@code i} of seq_id order. */
  PackedRow row(int i);

  /** Rows held in memory (tests and small local stages), sorted here by seq_id. */
  static PackedRowSource of(List<PackedRow> rows) {
    List<PackedRow> sorted = new ArrayList<>(rows);
    sorted.sort(Comparator.comparingLong(PackedRow::seqId));
    return new PackedRowSource() {
      @Override public int size() { return sorted.size(); }

      @Override public PackedRow row(int i) { return sorted.get(i); }
    };
  }
}
