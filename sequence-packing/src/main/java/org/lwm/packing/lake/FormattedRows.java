package org.lwm.packing.lake;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.util.CollectionAccumulator;
import org.lwm.core.lake.Reject;
import org.lwm.core.spark.Tallies;
import org.lwm.packing.format.ExampleFormatter;
import org.lwm.packing.format.FormatException;
import org.lwm.packing.format.FormattedExample;
import org.lwm.packing.format.SourceRecord;

/**
 * One partition of source records formatted into {@code examples} rows, lazily (one example in memory at a time).
 * A record that cannot be formatted is counted ({@code rejected}) and, up to {@code maxRejects} per task, kept in
 * {@code rejects}; every record counts in {@code records}, every example in {@code examples_TASK} and
 * {@code tokens_TASK}.
 */
final class FormattedRows implements Iterator<InternalRow> {
  private final Iterator<SourceRecord> in;
  private final ExampleFormatter formatter;
  private final Tallies tallies;
  private final CollectionAccumulator<Reject> rejects;
  private final int maxRejects;
  private int kept;
  private InternalRow next;

  FormattedRows(Iterator<SourceRecord> in, ExampleFormatter formatter, Tallies tallies, CollectionAccumulator<Reject> rejects, int maxRejects) {
    this.in = in;
    this.formatter = formatter;
    this.tallies = tallies;
    this.rejects = rejects;
    this.maxRejects = maxRejects;
  }

  @Override
  public boolean hasNext() {
    while (next == null && in.hasNext()) {
      SourceRecord rec = in.next();
      tallies.add("records", 1);
      Reject bad = null;
      if (rec.fields() == null) {
        bad = unformattable(rec.id(), rec.task());
      } else {
        try {
          FormattedExample e = rec.format(formatter);
          tallies.add("examples_" + e.task(), 1);
          tallies.add("tokens_" + e.task(), e.length());
          next = ExampleRows.toRow(e);
        } catch (FormatException e) {
          bad = unformattable(rec.id(), e.getMessage());
        }
      }
      if (bad != null) {
        tallies.add("rejected", 1);
        if (kept++ < maxRejects) rejects.add(bad);
      }
    }
    return next != null;
  }

  @Override
  public InternalRow next() {
    if (!hasNext()) throw new NoSuchElementException();
    InternalRow r = next;
    next = null;
    return r;
  }

  /** The record's reject if it cannot be formatted, else none. */
  static List<Reject> reject(SourceRecord rec, ExampleFormatter formatter) {
    if (rec.fields() == null) return List.of(unformattable(rec.id(), rec.task()));
    try {
      rec.format(formatter);
      return List.of();
    } catch (FormatException e) {
      return List.of(unformattable(rec.id(), e.getMessage()));
    }
  }

  private static Reject unformattable(String id, String detail) {
    return Reject.now(ExamplesJob.JOB, id, "unformattable", detail);
  }
}
