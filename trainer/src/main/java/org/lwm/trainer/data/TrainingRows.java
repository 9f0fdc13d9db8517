package org.lwm.trainer.data;

import org.lwm.core.records.PackedRow;

/**
 * The packed rows of one training stage, addressable by index, whatever stores them (JSON lines, the lake's
 * {@code packed} table, or at merge time the sequence-packing module's reader). The trainer visits them in a
 * seeded order per epoch, so a data cursor (rows consumed) is all a checkpoint needs to resume the stream.
 */
public interface TrainingRows {
  int size();

  PackedRow row(int i);

  /** Where the rows come from, for messages ("packed stage s2k in file:/lake"). */
  String describe();
}
