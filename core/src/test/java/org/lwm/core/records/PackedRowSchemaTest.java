package org.lwm.core.records;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.lwm.core.testing.TestSpark;

class PackedRowSchemaTest {
  @Test
  void packedRowsSurviveADataFrame() {
    SparkSession spark = TestSpark.session();
    PackedRow a = new PackedRow(1, new int[] {1, 5, 6}, new int[] {5, 6, 2}, new float[] {0f, 0.5f, 0.5f},
        new boolean[] {false, true, true}, new boolean[] {true, true, false}, new int[] {1, 1, 1}, new int[] {0, 1, 2},
        new String[] {"ex-1"});
    PackedRow b = PackedRow.text(2, new int[] {3, 4}, new int[] {4, 0});
    Dataset<Row> df = spark.createDataFrame(List.of(PackedRowSchema.toRow(a), PackedRowSchema.toRow(b)), PackedRowSchema.SCHEMA);
    List<PackedRow> back = df.orderBy("seq_id").collectAsList().stream().map(PackedRowSchema::fromRow).toList();
    assertEquals(List.of(a, b), back);
  }
}
