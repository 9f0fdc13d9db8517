package org.lwm.core.lake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.lwm.core.config.Config;
import org.lwm.core.spark.SparkSessions;
import org.lwm.core.testing.S3Server;
import org.lwm.core.testing.TestSpark;

/** A real Delta write, append, read and rejects MERGE through s3a:// against s3proxy on loopback. */
class S3ARoundTripTest {
  @Test
  void deltaTableRoundTripsThroughS3a() {
    S3Server s3 = S3Server.get();
    s3.createBucket("lake-roundtrip");
    SparkSession spark = TestSpark.session();
    Config cfg = s3.config(TestSpark.config());
    SparkSessions.applyS3a(spark, cfg);
    Lake lake = Lake.of("s3a://lake-roundtrip/prefix");

    StructType schema = new StructType().add("id", DataTypes.LongType).add("word", DataTypes.StringType);
    Dataset<Row> first = spark.createDataFrame(List.of(RowFactory.create(1L, "alpha"), RowFactory.create(2L, "beta")), schema);
    lake.overwrite(first, "words");
    lake.append(spark.createDataFrame(List.of(RowFactory.create(3L, "gamma")), schema), "words");

    assertTrue(lake.exists(spark, "words"));
    List<Row> rows = lake.read(spark, "words").orderBy("id").collectAsList();
    assertEquals(List.of("alpha", "beta", "gamma"), rows.stream().map(r -> r.getString(1)).toList());
    // time travel to the first version sees two rows
    assertEquals(2, spark.read().format("delta").option("versionAsOf", 0).load(lake.table("words")).count());

    lake.setProperties(spark, "words", java.util.Map.of("lwm.test.key", "it's here"));
    assertEquals("it's here", lake.properties(spark, "words").get("lwm.test.key"));

    Reject r = Reject.now("test-job", "s3a://in/x.txt", "invalid-utf8", "byte 3");
    Rejects.record(spark, lake, List.of(r));
    Rejects.record(spark, lake, List.of(r)); // idempotent: same job, source, reason
    assertEquals(1, lake.read(spark, Tables.REJECTS).count());
    assertEquals(List.of("rejects", "words"), lake.tableNames(spark));
  }
}
