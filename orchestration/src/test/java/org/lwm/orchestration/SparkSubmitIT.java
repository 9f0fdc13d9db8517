package org.lwm.orchestration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fat jar as a cluster runs it: {@code spark-submit --class org.lwm.orchestration.Lwm lwm-spark.jar ...}
 * through Spark's own SparkSubmit, with only Spark's side of the classpath outside the jar (our modules,
 * Delta, picocli and the S3 SDK must come from the jar).
 */
class SparkSubmitIT {
  @TempDir Path dir;

  @Test
  void fatJarIngestsAndPrintsUnderSparkSubmit() throws Exception {
    Path jar = fatJar();
    List<String> sparkSide = sparkSideClasspath();

    Path books = Files.createDirectories(dir.resolve("books"));
    Files.writeString(books.resolve("one.txt"), "In the beginning was a small test book. ".repeat(10));
    String lake = dir.resolve("lake").toString();

    String ingest = submit(jar, sparkSide, "ingest", "books", "--input", books.toString(), "--lake", lake);
    assertTrue(ingest.contains("books_written  1"), ingest);
    String cat = submit(jar, sparkSide, "lake", "cat", "books", "--lake", lake, "--columns", "title", "--format", "jsonl");
    assertTrue(cat.contains("{\"title\":\"one\"}"), cat);
  }

  static Path fatJar() {
    Path jar = Path.of(System.getProperty("lwm.fatjar"));
    assertTrue(Files.isRegularFile(jar), "fat jar missing: " + jar);
    return jar;
  }

  /** What a Spark distribution puts on the classpath: the runtime classpath less our modules and what the jar bundles. */
  static List<String> sparkSideClasspath() throws java.io.IOException {
    Path repo = Path.of(System.getProperty("lwm.repo.root")).toAbsolutePath();
    return Arrays.stream(Files.readString(Path.of(System.getProperty("lwm.classpath.file"))).strip().split(File.pathSeparator))
        .filter(e -> !Path.of(e).toAbsolutePath().startsWith(repo))
        .filter(e -> !e.matches(".*/(io/delta|info/picocli|com/amazonaws|org/apache/hadoop/hadoop-aws)/.*"))
        .collect(Collectors.toList());
  }

  private static String submit(Path jar, List<String> classpath, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.addAll(Arrays.asList(System.getProperty("lwm.java17.opens", "").split(" ")).stream().filter(s -> !s.isBlank()).toList());
    cmd.addAll(List.of("-cp", String.join(File.pathSeparator, classpath), "org.apache.spark.deploy.SparkSubmit",
        "--master", "local[2]", "--conf", "spark.ui.enabled=false", "--conf", "spark.sql.shuffle.partitions=2",
        "--class", "org.lwm.orchestration.Lwm", jar.toString()));
    cmd.addAll(Arrays.asList(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(180, TimeUnit.SECONDS), "spark-submit did not finish");
    assertEquals(0, p.exitValue(), out);
    return out;
  }
}
