package org.lwm.core.lake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.core.cli.UserError;
import org.lwm.core.testing.TestSpark;

class LakeTest {
  @TempDir Path dir;

  @Test
  void pathsBecomeFileUrisAndUrisStay() {
    Lake local = Lake.of(dir.resolve("lake").toString());
    assertTrue(local.root().startsWith("file:/"), local.root());
    assertEquals(local.root() + "/books", local.table(Tables.BOOKS));
    assertEquals("s3a://bucket/prefix/chunks", Lake.of("s3a://bucket/prefix/").table("chunks"));
    assertEquals("hdfs://nn:8020/lake/books", Lake.of("hdfs://nn:8020/lake").table("books"));
    assertThrows(UserError.class, () -> Lake.of("ftp://host/lake"));
    assertThrows(UserError.class, () -> Lake.of(" "));
  }

  @Test
  void aFileAsRootIsAOneLineError() throws Exception {
    Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
    UserError e = assertThrows(UserError.class, () -> Lake.of(file.toString()).checkReadable(TestSpark.session()));
    assertTrue(e.getMessage().contains("is a file"), e.getMessage());
    UserError missing = assertThrows(UserError.class, () -> Lake.of(dir.resolve("absent").toString()).tableNames(TestSpark.session()));
    assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
  }

  /** Properties are read once per commit, and a new commit is seen at once. */
  @Test
  void propertiesFollowEveryCommit() {
    org.apache.spark.sql.SparkSession spark = TestSpark.session();
    Lake lake = Lake.of(dir.resolve("props-lake").toString());
    lake.overwrite(spark.range(3).toDF(), "t");
    lake.setProperties(spark, "t", java.util.Map.of("lwm.a", "1"));
    assertEquals("1", lake.properties(spark, "t").get("lwm.a"));
    assertEquals("1", lake.properties(spark, "t").get("lwm.a"));
    lake.properties(spark, "t").put("lwm.a", "changed by a caller"); // a copy: the cache is not touched
    assertEquals("1", lake.properties(spark, "t").get("lwm.a"));
    lake.setProperties(spark, "t", java.util.Map.of("lwm.a", "2"));
    assertEquals("2", lake.properties(spark, "t").get("lwm.a"));
  }
}
