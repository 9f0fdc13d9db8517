package org.lwm.notebooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.lwm.core.config.Config;
import org.lwm.core.lake.Lake;
import org.lwm.core.spark.SparkSessions;
import org.lwm.core.testing.TestSpark;

/**
 * The Zeppelin notes (Zeppelin cannot be installed here): each is a well-formed note, its %spark.conf holds the
 * settings the jobs' Spark sessions use (same Delta and Hadoop versions, S3A keys the project sets), and every
 * %spark.sql paragraph, its forms filled in with the demo lake and run, runs on such a session and returns rows.
 */
class ZeppelinNotesTest {
  static final Pattern FORM = Pattern.compile("\\$\\{(\\w+)(=[^}]*)?}");

  static List<Path> notes() throws Exception {
    try (Stream<Path> s = Files.list(TestSpark.repoRoot().resolve("notebooks").resolve("zeppelin"))) {
      return s.filter(p -> p.toString().endsWith(".zpln")).sorted().toList();
    }
  }

  @Test
  void everySqlParagraphRunsOnTheDemoLakeAndReturnsRows() throws Exception {
    Map<String, String> forms = Map.of("lake", Lake.of(DemoLake.lake().toString()).root(), "run", DemoLake.runDir().toUri().toString());
    SparkSession spark = TestSpark.session();
    List<Path> notes = notes();
    assertEquals(5, notes.size(), notes.toString());
    int sql = 0;
    Set<String> ids = new HashSet<>();
    for (Path note : notes) {
      JsonNode n = new ObjectMapper().readTree(note.toFile());
      for (String field : List.of("name", "id", "defaultInterpreterGroup", "version")) assertTrue(n.path(field).isTextual(), note + ": " + field);
      for (String field : List.of("noteParams", "noteForms", "angularObjects", "config", "info")) assertTrue(n.path(field).isObject(), note + ": " + field);
      assertTrue(ids.add(n.path("id").asText()), note + ": note id not unique");
      boolean conf = false;
      for (JsonNode p : n.path("paragraphs")) {
        for (String field : List.of("text", "id", "jobName", "status", "dateCreated")) assertTrue(p.path(field).isTextual(), note + ": paragraph " + field);
        assertTrue(p.path("config").isObject() && p.path("settings").path("forms").isObject() && p.path("apps").isArray(), note + ": paragraph structure");
        assertTrue(ids.add(p.path("id").asText()), note + ": paragraph id not unique");
        String text = p.path("text").asText();
        String magic = text.substring(0, text.indexOf('\n'));
        assertTrue(List.of("%md", "%spark.conf", "%spark.sql").contains(magic), note + ": interpreter " + magic);
        String body = text.substring(text.indexOf('\n') + 1);
        if (magic.equals("%spark.conf")) {
          checkConf(note, body, spark);
          conf = true;
        } else if (magic.equals("%spark.sql")) {
          assertTrue(conf, note + ": %spark.conf must come before the SQL");
          String q = fill(body, forms);
          List<Row> rows;
          try {
            rows = spark.sql(q).collectAsList();
          } catch (Exception e) {
            throw new AssertionError(note.getFileName() + " '" + p.path("title").asText() + "' fails:\n" + q + "\n" + e.getMessage(), e);
          }
          assertFalse(rows.isEmpty(), note.getFileName() + " '" + p.path("title").asText() + "' returns no rows:\n" + q);
          sql++;
        }
      }
    }
    assertTrue(sql >= 15, sql + " SQL paragraphs");
  }

  /** Filled-in Zeppelin dynamic forms ${name=default}; a form the test has no value for fails. */
  static String fill(String sql, Map<String, String> forms) {
    Matcher m = FORM.matcher(sql);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String v = forms.get(m.group(1));
      if (v == null) throw new AssertionError("no value for form " + m.group(1) + " in " + sql);
      m.appendReplacement(out, Matcher.quoteReplacement(v));
    }
    return m.appendTail(out).toString();
  }

  /** The note's Spark settings against a session made by the jobs' factory and the versions on the class path. */
  static void checkConf(Path note, String body, SparkSession spark) {
    Map<String, String> set = new LinkedHashMap<>();
    Set<String> commented = new HashSet<>();
    for (String line : body.split("\n")) {
      String l = line.strip();
      if (l.isEmpty()) continue;
      boolean comment = l.startsWith("#");
      String kv = comment ? l.substring(1).strip() : l;
      String[] parts = kv.split("\\s+", 2);
      if (!parts[0].startsWith("spark.")) {
        assertTrue(comment, note + ": not a setting: " + line);
        continue;
      }
      if (comment) commented.add(parts[0]);
      else set.put(parts[0], parts[1]);
    }
    for (String key : List.of("spark.sql.extensions", "spark.sql.catalog.spark_catalog")) {
      assertEquals(spark.conf().get(key), set.get(key), note + ": " + key);
    }
    String delta = version(io.delta.tables.DeltaTable.class, "delta-spark_2.12-");
    String packages = set.get("spark.jars.packages");
    assertTrue(packages.contains("io.delta:delta-spark_2.12:" + delta), note + ": Delta " + delta + " in " + packages);
    assertTrue(packages.contains("org.apache.hadoop:hadoop-aws:" + org.apache.hadoop.util.VersionInfo.getVersion()), note + ": " + packages);
    Map<String, String> s3a = SparkSessions.s3aSettings(Config.of(Map.of("s3.endpoint", "http://127.0.0.1:9000", "s3.region", "us-east-1")));
    assertTrue(!commented.isEmpty(), note + ": the S3A settings");
    for (String key : commented) assertTrue(s3a.containsKey(key.substring("spark.hadoop.".length())), note + ": " + key + " is not an S3A key the jobs set");
  }

  /** A jar's version from its file name (e.g. delta-spark_2.12-3.3.3.jar). */
  static String version(Class<?> c, String prefix) {
    String jar = Path.of(c.getProtectionDomain().getCodeSource().getLocation().getPath()).getFileName().toString();
    assertTrue(jar.startsWith(prefix) && jar.endsWith(".jar"), jar);
    return jar.substring(prefix.length(), jar.length() - 4);
  }
}
