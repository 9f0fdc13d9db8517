package org.lwm.core.records;

import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The {@code packed} table's row layout (DESIGN §6) and the conversion between Spark rows and {@link PackedRow}.
 * The table is partitioned by {@code stage}; this schema is one stage's columns (the partition column is added
 * by the writer).
 */
public final class PackedRowSchema {
  public static final StructType SCHEMA = new StructType()
      .add("seq_id", DataTypes.LongType, false)
      .add("input_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
      .add("target_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
      .add("loss_weight", DataTypes.createArrayType(DataTypes.FloatType, false), false)
      .add("input_vision", DataTypes.createArrayType(DataTypes.BooleanType, false), false)
      .add("target_vision", DataTypes.createArrayType(DataTypes.BooleanType, false), false)
      .add("segment_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
      .add("position_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
      .add("example_ids", DataTypes.createArrayType(DataTypes.StringType, false), false);

  private PackedRowSchema() {}

  public static Row toRow(PackedRow r) {
    int n = r.length();
    Integer[] in = new Integer[n], tg = new Integer[n], seg = new Integer[n], pos = new Integer[n];
    Float[] w = new Float[n];
    Boolean[] iv = new Boolean[n], tv = new Boolean[n];
    for (int i = 0; i < n; i++) {
      in[i] = r.inputIds()[i];
      tg[i] = r.targetIds()[i];
      seg[i] = r.segmentIds()[i];
      pos[i] = r.positionIds()[i];
      w[i] = r.lossWeight()[i];
      iv[i] = r.inputVision()[i];
      tv[i] = r.targetVision()[i];
    }
    return RowFactory.create(r.seqId(), in, tg, w, iv, tv, seg, pos, r.exampleIds());
  }

  /** Reads a row by column name, so extra columns (such as {@code stage}) and column order don't matter. */
  public static PackedRow fromRow(Row row) {
    List<Integer> in = row.getList(row.fieldIndex("input_ids"));
    int n = in.size();
    int[] input = ints(in), target = ints(row.getList(row.fieldIndex("target_ids")));
    int[] seg = ints(row.getList(row.fieldIndex("segment_ids"))), pos = ints(row.getList(row.fieldIndex("position_ids")));
    List<Float> wl = row.getList(row.fieldIndex("loss_weight"));
    float[] w = new float[n];
    for (int i = 0; i < n; i++) w[i] = wl.get(i);
    boolean[] iv = booleans(row.getList(row.fieldIndex("input_vision")));
    boolean[] tv = booleans(row.getList(row.fieldIndex("target_vision")));
    String[] ids = new String[0];
    if (hasField(row, "example_ids") && !row.isNullAt(row.fieldIndex("example_ids"))) {
      ids = row.<String>getList(row.fieldIndex("example_ids")).toArray(new String[0]);
    }
    return new PackedRow(row.getLong(row.fieldIndex("seq_id")), input, target, w, iv, tv, seg, pos, ids);
  }

  private static boolean hasField(Row row, String name) {
    for (String f : row.schema().fieldNames()) if (f.equals(name)) return true;
    return false;
  }

  private static int[] ints(List<Integer> l) {
    int[] v = new int[l.size()];
    for (int i = 0; i < v.length; i++) v[i] = l.get(i);
    return v;
  }

  private static boolean[] booleans(List<Boolean> l) {
    boolean[] v = new boolean[l.size()];
    for (int i = 0; i < v.length; i++) v[i] = l.get(i);
    return v;
  }
}
