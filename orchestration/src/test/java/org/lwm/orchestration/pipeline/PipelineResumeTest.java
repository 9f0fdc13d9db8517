package org.lwm.orchestration.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.spark.JvmFlags;
import org.lwm.core.testing.TestSpark;
import org.lwm.orchestration.Lwm;

/**
 * {@code lwm run} killed with SIGKILL in a JVM of its own, in the middle of the pipeline, then run again: the second run
 * skips what the first finished, runs the rest, and the lake ends with exactly the tables of an uninterrupted run.
 */
class PipelineResumeTest {
  @TempDir Path dir;

  static final String[] STEPS = {"books", "tokenize", "chunk", "generate", "assemble", "examples", "pack"};

  Path pipeline() throws Exception {
    Path books = Files.createDirectories(dir.resolve("books"));
    Path samples = TestSpark.repoRoot().resolve("samples");
    for (String b : List.of("08-Ruth.txt", "31-Obadiah.txt", "32-Jonah.txt", "57-Philemon.txt", "63-2John.txt", "65-Jude.txt")) {
      Files.copy(samples.resolve("books").resolve(b), books.resolve(b));
    }
    StringBuilder spark = new StringBuilder();
    TestSpark.config().asMap().forEach((k, v) -> spark.append("  ").append(k).append(": \"").append(v).append("\"\n"));
    Path yaml = dir.resolve("pipeline.yaml");
    Files.writeString(yaml, String.join("\n",
        "name: resume-test",
        "lake: " + dir.resolve("unused-lake"),
        "spark:",
        spark.toString().stripTrailing(),
        "config:",
        "  tokenizer: " + samples.resolve("tokenizer.model"),
        "steps:",
        "  - {id: books, job: ingest books, args: [--input, \"" + books + "\"]}",
        "  - {id: tokenize, job: ingest tokenize, after: [books]}",
        "  - {id: chunk, job: qa chunk, after: [tokenize]}",
        "  - {id: generate, job: qa generate, after: [chunk]}",
        "  - {id: assemble, job: qa assemble, config: {qa.assemble.lengths: \"2048\"}, after: [generate]}",
        "  - {id: examples, job: pack examples, after: [assemble]}",
        "  - {id: pack, job: pack run, config: {pack.stage: 2k, pack.stages.2k.seq_len: 2048}, after: [examples]}",
        ""));
    return yaml;
  }

  @Test
  void aKilledRunResumesAtTheInterruptedStepAndEndsWithTheTablesOfAnUninterruptedOne() throws Exception {
    Path yaml = pipeline();
    String clean = dir.resolve("clean").toString();
    String killed = dir.resolve("killed").toString();
    org.lwm.orchestration.CliTestAccess.Run a = org.lwm.orchestration.CliTestAccess.run("run", yaml.toString(), "--lake", clean);
    assertEquals(0, a.code(), a.out() + a.err());

    // the same pipeline in a JVM of its own, killed (no shutdown hook, no cleanup) once the fourth step has started
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.addAll(JvmFlags.ofThisJvm());
    cmd.addAll(List.of("-Xmx1g", "-cp", System.getProperty("java.class.path"), Lwm.class.getName(), "run", yaml.toString(), "--lake", killed));
    Path log = dir.resolve("child.log");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    Process child = pb.start();
    long deadline = System.nanoTime() + 240_000_000_000L;
    while (child.isAlive() && System.nanoTime() < deadline && !Files.readString(log).contains("[4/7] generate (qa generate): running")) {
      Thread.sleep(20);
    }
    assertTrue(child.isAlive(), "the child ended before it was killed: " + Files.readString(log));
    child.destroyForcibly().waitFor();
    String before = Files.readString(log);
    assertFalse(before.contains("[4/7] generate (qa generate): done"), before);

    org.lwm.orchestration.CliTestAccess.Run b = org.lwm.orchestration.CliTestAccess.run("run", yaml.toString(), "--lake", killed);
    assertEquals(0, b.code(), b.out() + b.err());
    assertTrue(b.out().contains("[1/7] books (ingest books): skipped (up to date)"), b.out());
    assertTrue(b.out().contains("[3/7] chunk (qa chunk): skipped (up to date)"), b.out());
    assertTrue(b.out().contains("[4/7] generate (qa generate): done"), b.out());
    assertTrue(b.out().contains("pipeline resume-test: 4 done, 3 skipped"), b.out());

    SparkSession spark = TestSpark.session();
    Lake lc = Lake.of(clean), lk = Lake.of(killed);
    List<String> tables = new ArrayList<>(lc.tableNames(spark));
    tables.remove(Tables.PIPELINE_RUNS);
    List<String> killedTables = new ArrayList<>(lk.tableNames(spark));
    killedTables.remove(Tables.PIPELINE_RUNS);
    assertEquals(tables, killedTables);
    for (String t : tables) assertEquals(rows(lc.read(spark, t)), rows(lk.read(spark, t)), "table " + t);
    // the history: the killed run recorded the three steps it finished, the second run all seven
    Map<String, Long> status = new TreeMap<>();
    for (Row r : lk.read(spark, Tables.PIPELINE_RUNS).groupBy("status").count().collectAsList()) status.put(r.getString(0), r.getLong(1));
    assertEquals(Map.of("done", 7L, "skipped", 3L), status);
  }

  /** A table's rows as sorted JSON, without timestamp columns (the time a row was written is not its content). */
  static List<String> rows(Dataset<Row> df) {
    List<String> drop = new ArrayList<>();
    for (StructField f : df.schema().fields()) if (f.dataType().equals(DataTypes.TimestampType)) drop.add(f.name());
    List<String> json = new ArrayList<>(df.drop(drop.toArray(String[]::new)).toJSON().collectAsList());
    json.sort(String::compareTo);
    return json;
  }
}
