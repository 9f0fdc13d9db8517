package org.lwm.packing.lake;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.unsafe.types.UTF8String;
import org.lwm.core.records.PackedRow;

/**
 * {@code packed} rows (core's {@code PackedRowSchema.SCHEMA}) in Spark's internal format, each array copied in one
 * block (see core's {@code CatalystRows}).
 */
final class PackedCatalystRows {
  private PackedCatalystRows() {}

  static InternalRow toRow(PackedRow r) {
    Object[] ids = new Object[r.exampleIds().length];
    for (int i = 0; i < ids.length; i++) ids[i] = UTF8String.fromString(r.exampleIds()[i]);
    return new GenericInternalRow(new Object[] {r.seqId(), UnsafeArrayData.fromPrimitiveArray(r.inputIds()),
        UnsafeArrayData.fromPrimitiveArray(r.targetIds()), UnsafeArrayData.fromPrimitiveArray(r.lossWeight()),
        UnsafeArrayData.fromPrimitiveArray(r.inputVision()), UnsafeArrayData.fromPrimitiveArray(r.targetVision()),
        UnsafeArrayData.fromPrimitiveArray(r.segmentIds()), UnsafeArrayData.fromPrimitiveArray(r.positionIds()), new GenericArrayData(ids)});
  }

  /** Positions that belong to an example (segment id above 0), as the statistics count them. */
  static long positionsUsed(PackedRow r) {
    long n = 0;
    for (int s : r.segmentIds()) if (s > 0) n++;
    return n;
  }
}
