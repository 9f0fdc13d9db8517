package org.lwm.packing.lake;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.unsafe.types.UTF8String;
import org.lwm.packing.format.FormattedExample;

/**
 * {@code examples} rows in Spark's internal format (see core's {@code CatalystRows}): the token and mask arrays go
 * in and out as primitive arrays copied in one block each, not element by element through boxed lists.
 */
final class ExampleRows {
  private ExampleRows() {}

  /** A row of {@link ExamplesJob#SCHEMA}. */
  static InternalRow toRow(FormattedExample e) {
    return new GenericInternalRow(new Object[] {UTF8String.fromString(e.id()), UTF8String.fromString(e.task()),
        UnsafeArrayData.fromPrimitiveArray(e.tokens()), UnsafeArrayData.fromPrimitiveArray(e.lossMask()),
        UnsafeArrayData.fromPrimitiveArray(e.visionMask()), (long) e.length()});
  }

  /** The example of a row whose first five columns are example_id, task, tokens, loss_mask, vision_mask. */
  static FormattedExample fromRow(InternalRow r) {
    return new FormattedExample(r.getUTF8String(0).toString(), r.getUTF8String(1).toString(), r.getArray(2).toIntArray(),
        r.getArray(3).toFloatArray(), r.getArray(4).toBooleanArray());
  }
}
