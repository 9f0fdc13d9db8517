package org.lwm.orchestration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.testing.TestSpark;

/**
 * ./lwm demo on the embedded sample, in-process, into a fresh lake: the pipeline runs end to end, and a second run
 * skips every step and changes no table. The lake stays at {@code target/demo-lake} (the training output beside it,
 * {@code target/runs}) for the notebooks module's tests, which run after this module's.
 */
class DemoTest {
  static final Path LAKE = Path.of(System.getProperty("lwm.demo.lake", "target/demo-lake")).toAbsolutePath();

  @Test
  void demoRunsOnTheSampleAndASecondRunChangesNothing() throws IOException {
    delete(LAKE);
    delete(LAKE.resolveSibling("runs"));
    String samples = TestSpark.repoRoot().resolve("samples").toString();
    CliTest.Run r = CliTest.run("demo", "--lake", LAKE.toString(), "--samples", samples);
    assertEquals(0, r.code(), r.out() + r.err());
    assertTrue(r.out().contains("books_written=66"), r.out());
    assertTrue(r.out().contains("pipeline lwm-demo: 13 done, 0 skipped"), r.out());
    SparkSession spark = TestSpark.session();
    Lake lake = Lake.of(LAKE.toString());
    assertEquals(66, lake.read(spark, Tables.BOOKS).count());
    assertTrue(Files.exists(LAKE.resolveSibling("runs").resolve("demo-train/needle/needle.png")));
    Path report = LAKE.resolveSibling("runs").resolve("report.html");
    assertTrue(r.out().contains("report: " + report), r.out());
    assertTrue(Files.size(report) > 10_000, "the report holds its pictures inline");
    // the demo's checkpoint generates text and an image (decoded by the tiny seeded VQGAN to stay quick: the demo's
    // own random:42 decodes the same codes at 256x256 in ~20 s more)
    Path checkpoint = LAKE.resolveSibling("runs").resolve("demo-train/8k/final");
    String tokenizer = TestSpark.repoRoot().resolve("samples/tokenizer.model").toString();
    CliTest.Run text = CliTest.run("generate", "--checkpoint", checkpoint.toString(), "--tokenizer", tokenizer, "--prompt", "In the beginning",
        "--max-tokens", "4", "--ids");
    assertEquals(0, text.code(), text.err());
    Path image = LAKE.resolveSibling("runs").resolve("image");
    CliTest.Run gen = CliTest.run("generate", "image", "--checkpoint", checkpoint.toString(), "--tokenizer", tokenizer, "--vqgan", "random:42:tiny",
        "--prompt", "A ball bounces around the frame.", "--output", image.toString());
    assertEquals(0, gen.code(), gen.err());
    assertTrue(Files.size(image.resolve("frame_0000.png")) > 0);
    Map<String, Long> versions = versions(spark, lake);
    assertTrue(versions.keySet().containsAll(java.util.List.of(Tables.BOOKS, Tables.BOOK_TOKENS, Tables.CHUNKS, Tables.QA_PAIRS,
        Tables.LONG_QA, Tables.VIDEOS, Tables.VISION_TOKENS, Tables.EXAMPLES, Tables.PACKED)), versions.toString());

    CliTest.Run again = CliTest.run("demo", "--lake", LAKE.toString(), "--samples", samples);
    assertEquals(0, again.code(), again.out() + again.err());
    assertTrue(again.out().contains("pipeline lwm-demo: 0 done, 13 skipped"), again.out());
    assertEquals(versions, versions(spark, lake), "a second run changes no table");
    assertEquals(26, lake.read(spark, Tables.PIPELINE_RUNS).count(), "both runs are in the history");
  }

  /** Every table's Delta version but the run history's, which grows by design. */
  static Map<String, Long> versions(SparkSession spark, Lake lake) {
    Map<String, Long> v = new TreeMap<>();
    for (String t : lake.tableNames(spark)) if (!t.equals(Tables.PIPELINE_RUNS)) v.put(t, lake.version(spark, t));
    return v;
  }

  static void delete(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
    }
  }
}
