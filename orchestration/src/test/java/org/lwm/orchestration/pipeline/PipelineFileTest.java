package org.lwm.orchestration.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;

class PipelineFileTest {
  @TempDir Path dir;

  Path write(String yaml) throws Exception {
    Path f = dir.resolve("p.yaml");
    Files.writeString(f, yaml);
    return f;
  }

  static UserError fails(Path f) {
    UserError e = assertThrows(UserError.class, () -> PipelineFile.load(f, Map.of(), "2026-01-02", null));
    assertEquals(1, e.getMessage().lines().count(), "one line: " + e.getMessage());
    return e;
  }

  @Test
  void readsFlattensAndSubstitutes() throws Exception {
    Path f = write("""
        name: books
        schedule: "0 3 * * 1"
        lake: s3a://bucket/${params.env}/lake
        spark:
          executor: {memory: 8g}
          spark.sql.shuffle.partitions: 200
        config:
          tokenizer: ${lake}/../tokenizer.model
          qa: {chunk_tokens: 1000, lengths: [32K, 128K]}
        params: {env: prod, day: "${run_date}"}
        steps:
          - id: books
            job: "ingest   books"
            args: [--input, "s3a://corpus/${params.env}/${run_date}/", "$${not a variable}"]
            config: {ingest: {min_chars: 500}}
          - id: tokens
            job: ingest tokenize
            after: books
        """);
    Pipeline p = PipelineFile.load(f, Map.of("env", "dev"), "2026-01-02", null);
    assertEquals("books", p.name());
    assertEquals("0 3 * * 1", p.schedule());
    assertEquals("s3a://bucket/dev/lake", p.lake());
    assertEquals(Map.of("spark.executor.memory", "8g", "spark.sql.shuffle.partitions", "200"), p.spark());
    assertEquals(Map.of("tokenizer", "s3a://bucket/dev/lake/../tokenizer.model", "qa.chunk_tokens", "1000", "qa.lengths", "32K,128K"), p.config());
    assertEquals(Map.of("env", "dev", "day", "${run_date}"), p.params(), "param defaults are taken as written");
    PipelineStep books = p.step("books");
    assertEquals("ingest books", books.job());
    assertEquals(List.of("--input", "s3a://corpus/dev/2026-01-02/", "${not a variable}"), books.args());
    assertEquals(Map.of("ingest.min_chars", "500"), books.config());
    assertEquals(List.of("books"), p.step("tokens").after());

    Config c = p.stepConfig(books);
    assertEquals("s3a://bucket/dev/lake", c.get("lake", null));
    assertEquals("8g", c.get("spark.executor.memory", null));
    assertEquals("500", c.get("ingest.min_chars", null));
    assertEquals("1000", c.get("qa.chunk_tokens", null));
  }

  @Test
  void stepConfigWinsOverThePipelinesAndTheSparkBlock() throws Exception {
    Path f = write("""
        name: p
        lake: /tmp/l
        spark: {executor.memory: 1g}
        config: {spark.executor.memory: 2g, qa.chunk_tokens: 1000}
        steps:
          - {id: a, job: qa chunk, config: {qa.chunk_tokens: 500, spark.executor.memory: 3g}}
          - {id: b, job: qa chunk}
        """);
    Pipeline p = PipelineFile.load(f, Map.of(), null, null);
    assertEquals("3g", p.stepConfig(p.step("a")).get("spark.executor.memory", null));
    assertEquals("500", p.stepConfig(p.step("a")).get("qa.chunk_tokens", null));
    assertEquals("2g", p.stepConfig(p.step("b")).get("spark.executor.memory", null));
    assertEquals("1000", p.stepConfig(p.step("b")).get("qa.chunk_tokens", null));
  }

  @Test
  void aRelativeLakeResolvesAgainstTheWorkingDirectoryAndTheOverrideWins() throws Exception {
    Path f = write("name: p\nlake: some/lake\nsteps:\n  - {id: a, job: x}\n");
    Pipeline p = PipelineFile.load(f, Map.of(), null, null);
    assertEquals(Path.of("some/lake").toAbsolutePath().normalize().toUri().toString().replaceAll("/$", ""), p.lake());
    assertEquals("hdfs://nn/lake", PipelineFile.load(f, Map.of(), null, "hdfs://nn/lake").lake());
    Path noLake = write("name: p\nsteps:\n  - {id: a, job: x}\n");
    assertTrue(PipelineFile.load(noLake, Map.of(), null, null).lake().endsWith("/lake"), "default ./lake as every job");
    assertNull(PipelineFile.load(noLake, Map.of(), null, null).schedule());
  }

  @Test
  void templatesTurnVariablesIntoAirflowsAndTheLakeIntoAParam() throws Exception {
    Path f = write("""
        name: p
        lake: s3a://b/${params.env}
        params: {env: prod}
        steps:
          - {id: a, job: x, args: ["${lake}/in", "${params.env}", "${run_date}", "{{ raw }}"]}
        """);
    Pipeline t = PipelineFile.loadTemplate(f, Map.of(), null);
    assertEquals("{{ params.lake }}", t.lake());
    assertEquals(Map.of("lake", "s3a://b/prod", "env", "prod"), t.params());
    assertEquals(List.of("lake", "env"), List.copyOf(t.params().keySet()), "lake first");
    assertEquals(List.of("{{ params.lake }}/in", "{{ params.env }}", "{{ ds }}", "{% raw %}{{ raw }}{% endraw %}"), t.step("a").args());
    Path own = write("name: p\nlake: ${params.lake}\nparams: {lake: s3a://x/y}\nsteps:\n  - {id: a, job: x}\n");
    assertEquals(Map.of("lake", "s3a://x/y"), PipelineFile.loadTemplate(own, Map.of(), null).params());
    assertEquals("s3a://x/y", PipelineFile.load(own, Map.of(), null, null).lake());
    Path clash = write("name: p\nlake: s3a://a/b\nparams: {lake: s3a://x/y}\nsteps:\n  - {id: a, job: x}\n");
    assertThrows(UserError.class, () -> PipelineFile.loadTemplate(clash, Map.of(), null));
  }

  @Test
  void badDefinitionsAreOneLineErrorsNamingThePlace() throws Exception {
    assertTrue(fails(write("name: p\nsteps:\n  - {id: a, job: x, args: [\"${nope}\"]}\n")).getMessage()
        .matches(".*step 'a': args\\[0\\]: unknown variable \\$\\{nope\\} \\(known: .*"));
    assertTrue(fails(write("name: p\nsteps:\n  - {id: a, job: x, args: [\"${params.absent}\"]}\n")).getMessage().contains("${params.absent}"));
    assertTrue(fails(write("name: p\nsteps:\n  - {id: a, job: x, args: [\"${lake\"]}\n")).getMessage().contains("unclosed"));
    assertTrue(fails(write("name: p\nstep:\n  - {id: a, job: x}\n")).getMessage().contains("unknown field 'step'"));
    assertTrue(fails(write("name: p\nsteps:\n  - {id: a, job: x, afer: [b]}\n")).getMessage().contains("step 'a': unknown field 'afer'"));
    assertTrue(fails(write("name: p\nsteps: []\n")).getMessage().contains("non-empty"));
    assertTrue(fails(write("name: p\nsteps:\n  - {id: a, job: x, args: --input in}\n")).getMessage().contains("args must be a list"));
    assertTrue(fails(write("steps:\n  - {id: a, job: x}\n")).getMessage().contains("'name' is required"));
    assertTrue(fails(write("name: p q\nsteps:\n  - {id: a, job: x}\n")).getMessage().contains("DAG id"));
    assertTrue(fails(write("name: p\nsteps:\n  - {id: 'a b', job: x}\n")).getMessage().contains("task id"));
    assertTrue(fails(write("name: p\nsteps:\n  - {id: a}\n")).getMessage().contains("'job' is required"));
    assertTrue(fails(write("name: p\nschedule: every day\nsteps:\n  - {id: a, job: x}\n")).getMessage().contains("not a cron"));
    assertTrue(fails(write("name: p\nschedule: '@fortnightly'\nsteps:\n  - {id: a, job: x}\n")).getMessage().contains("not a preset"));
    assertTrue(fails(write("name: p\nname: q\nsteps:\n  - {id: a, job: x}\n")).getMessage().contains("not valid YAML"));
    assertTrue(fails(write("name: p\nsteps:\n  - {id: a, job: x, config: [1]}\n")).getMessage().contains("mapping"));
    assertTrue(fails(write("name: p\nparams: {a: null}\nsteps:\n  - {id: a, job: x}\n")).getMessage().contains("default"));
    UserError date = assertThrows(UserError.class, () -> PipelineFile.load(write("name: p\nsteps:\n  - {id: a, job: x}\n"), Map.of(), "03/12/2026", null));
    assertTrue(date.getMessage().contains("YYYY-MM-DD"), date.getMessage());
    UserError param = assertThrows(UserError.class, () -> PipelineFile.load(write("name: p\nparams: {a: 1}\nsteps:\n  - {id: a, job: x}\n"), Map.of("b", "2"), null, null));
    assertTrue(param.getMessage().contains("no param 'b' (declared: a)"), param.getMessage());
    UserError missing = assertThrows(UserError.class, () -> PipelineFile.load(dir.resolve("absent.yaml"), Map.of(), null, null));
    assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
  }

  @Test
  void orderFollowsAfterWithTiesInFileOrder() throws Exception {
    Path f = write("""
        name: p
        steps:
          - {id: train, job: x, after: [pack2k, pack8k]}
          - {id: pack8k, job: x, after: [examples]}
          - {id: pack2k, job: x, after: [examples]}
          - {id: books, job: x}
          - {id: examples, job: x, after: [books]}
          - {id: report, job: x}
        """);
    Pipeline p = PipelineFile.load(f, Map.of(), null, null);
    assertEquals(List.of("books", "examples", "pack8k", "pack2k", "train", "report"), p.ordered().stream().map(PipelineStep::id).toList());
    UserError e = assertThrows(UserError.class, () -> p.step("nope"));
    assertTrue(e.getMessage().contains("no step 'nope'") && e.getMessage().contains("books"), e.getMessage());
  }

  @Test
  void aCycleIsNamed() throws Exception {
    Path f = write("""
        name: p
        steps:
          - {id: a, job: x}
          - {id: b, job: x, after: [a, d]}
          - {id: c, job: x, after: [b]}
          - {id: d, job: x, after: [c]}
        """);
    UserError e = assertThrows(UserError.class, () -> PipelineFile.load(f, Map.of(), null, null).ordered());
    assertTrue(e.getMessage().endsWith("steps form a cycle: b -> c -> d -> b"), e.getMessage());
    Path self = write("name: p\nsteps:\n  - {id: a, job: x, after: [a]}\n");
    assertTrue(assertThrows(UserError.class, () -> PipelineFile.load(self, Map.of(), null, null).ordered()).getMessage().endsWith("a -> a"));
  }
}
