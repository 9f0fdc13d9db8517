package org.lwm.orchestration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.core.testing.TestSpark;

/**
 * {@code lwm pipeline submit} for real: each step of a two-step pipeline goes through Spark's own SparkSubmit with
 * the fat jar (as {@link SparkSubmitIT} runs it), and the tables land in the lake.
 */
class PipelineSubmitIT {
  @TempDir Path dir;

  @Test
  void eachStepIsASparkSubmitOfTheFatJar() throws Exception {
    Path jar = SparkSubmitIT.fatJar();
    Path repo = Path.of(System.getProperty("lwm.repo.root")).toAbsolutePath();
    String sparkSide = String.join(File.pathSeparator, SparkSubmitIT.sparkSideClasspath());
    // a spark-submit made of Spark's own SparkSubmit class and Spark's side of the classpath
    Path submit = dir.resolve("spark-submit");
    List<String> opens = Arrays.stream(System.getProperty("lwm.java17.opens", "").split(" ")).filter(s -> !s.isBlank()).toList();
    Files.writeString(submit, "#!/bin/bash\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java") + "' " + String.join(" ", opens)
        + " -cp '" + sparkSide + "' org.apache.spark.deploy.SparkSubmit \"$@\"\n");
    Files.setPosixFilePermissions(submit, PosixFilePermissions.fromString("rwx------"));

    Path books = Files.createDirectories(dir.resolve("books"));
    Files.writeString(books.resolve("genesis.txt"), "In the beginning God created the heaven and the earth. ".repeat(20));
    Files.writeString(books.resolve("exodus.txt"), "Now these are the names of the children of Israel. ".repeat(20));
    Path lake = dir.resolve("lake");
    Path pipeline = dir.resolve("tiny.yaml");
    Files.writeString(pipeline, """
        name: tiny
        lake: %s
        spark: {ui.enabled: "false", sql.shuffle.partitions: 2}
        config: {tokenizer: %s}
        params: {books: %s}
        steps:
          - {id: books, job: ingest books, args: [--input, "${params.books}"]}
          - {id: tokens, job: ingest tokenize, after: [books]}
        """.formatted(lake, repo.resolve("samples/tokenizer.model"), books));

    CliTest.Run r = CliTest.run("pipeline", "submit", pipeline.toString(), "--master", "local[2]", "--jar", jar.toString(), "--spark-submit", submit.toString());
    assertEquals(0, r.code(), r.out() + r.err());
    assertTrue(r.out().contains("lwm: step 1/2 books (ingest books)") && r.out().contains("lwm: step 2/2 tokens (ingest tokenize)"), r.out());
    SparkSession spark = TestSpark.session();
    assertEquals(2, spark.read().format("delta").load(lake.resolve("books").toString()).count());
    assertEquals(2, spark.read().format("delta").load(lake.resolve("book_tokens").toString()).where("n_tokens > 0").count());
  }
}
