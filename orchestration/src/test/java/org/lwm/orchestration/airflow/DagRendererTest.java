package org.lwm.orchestration.airflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lwm.core.cli.UserError;
import org.lwm.core.step.Step;
import org.lwm.orchestration.pipeline.Pipeline;
import org.lwm.orchestration.pipeline.PipelineFile;
import org.lwm.orchestration.pipeline.PipelineStep;
import org.lwm.orchestration.pipeline.StepInvocation;
import org.lwm.orchestration.pipeline.TestSteps;

/**
 * The rendered DAGs as Python reads them: they compile (py_compile), and dag_graph.py (Python's ast) finds exactly the
 * pipeline's tasks, arguments and edges. The sample's DAGs are reviewed golden files: regenerate them with
 * {@code -Dlwm.golden.update=true} and review the diff.
 */
public class DagRendererTest {
  static final String GOLDEN_UPDATE = "lwm.golden.update";
  @TempDir Path dir;

  static Path sample() throws Exception {
    return Python.resource("/pipelines/sample.yaml");
  }

  /** Renders {@code pipeline} for Airflow {@code version}, compiles it, and returns what dag_graph.py reads from it. */
  public static JsonNode graph(Path pipeline, int version, Path out, Map<String, Step> catalog) throws Exception {
    return graph(RenderCommand.render(pipeline, version, out, Map.of(), null, catalog));
  }

  /** A rendered DAG file compiled, then read by dag_graph.py. */
  public static JsonNode graph(Path py) throws Exception {
    Python.Result compiled = Python.run(null, "-m", "py_compile", py.toString());
    assertEquals(0, compiled.code(), "py_compile " + py + ": " + compiled.out());
    Python.Result read = Python.run(null, Python.resource("/airflow/dag_graph.py").toString(), py.toString());
    assertEquals(0, read.code(), "dag_graph.py " + py + ": " + read.out());
    return new ObjectMapper().readTree(read.out());
  }

  /** Tasks, operators, arguments and edges of the DAG equal the pipeline's graph; the DAG's settings are there. */
  public static void assertDagIsPipeline(JsonNode g, Pipeline template, int version) {
    List<String> imports = new ArrayList<>();
    g.get("imports").forEach(i -> imports.add(i.asText()));
    assertTrue(imports.contains(version == 2 ? "airflow.DAG" : "airflow.sdk.DAG"), imports.toString());
    assertTrue(imports.contains("airflow.providers.apache.spark.operators.spark_submit.SparkSubmitOperator"), imports.toString());
    JsonNode dag = g.get("dag");
    assertEquals(template.name(), dag.get("dag_id").asText());
    assertEquals(template.schedule() == null ? null : template.schedule(), dag.get("schedule").isNull() ? null : dag.get("schedule").asText());
    assertFalse(dag.has("schedule_interval"), "schedule_interval is gone in Airflow 3 and deprecated in 2");
    assertFalse(dag.get("catchup").asBoolean());
    assertEquals(1, dag.get("max_active_runs").asInt());
    assertTrue(dag.get("default_args").get("source").asText().matches("\\{'retries': \\d+, 'retry_delay': timedelta\\(minutes=[0-9.]+\\)}"), dag.get("default_args").toString());
    assertTrue(dag.get("tags").get(0).asText().equals("lwm"));
    Map<String, String> params = new LinkedHashMap<>();
    dag.get("params").fields().forEachRemaining(e -> params.put(e.getKey(), e.getValue().asText()));
    assertEquals(template.params(), params);

    List<String> ids = new ArrayList<>();
    for (JsonNode t : g.get("tasks")) {
      assertEquals("SparkSubmitOperator", t.get("operator").asText());
      assertEquals(0, t.get("args").asInt(), "keyword arguments only");
      JsonNode kw = t.get("kwargs");
      String id = kw.get("task_id").asText();
      ids.add(id);
      PipelineStep s = template.step(id);
      List<String> args = new ArrayList<>();
      kw.get("application_args").forEach(a -> args.add(a.asText()));
      assertEquals(StepInvocation.arguments(template, s), args, id);
      assertEquals(List.of(s.job().split(" ")), args.subList(0, s.job().split(" ").length), id + ": the job's words first");
      Map<String, String> conf = new LinkedHashMap<>();
      kw.get("conf").fields().forEachRemaining(e -> conf.put(e.getKey(), e.getValue().asText()));
      assertEquals(StepInvocation.sparkConf(template, s), conf, id);
      assertEquals(StepInvocation.MAIN_CLASS, kw.get("java_class").asText());
      assertEquals(template.stepConfig(s).get("airflow.jar", null), kw.get("application").asText());
      assertEquals(template.stepConfig(s).get("airflow.conn_id", "spark_default"), kw.get("conn_id").asText());
      assertEquals(template.name() + ":" + id, kw.get("name").asText());
    }
    assertEquals(template.ordered().stream().map(PipelineStep::id).toList(), ids);
    Set<List<String>> edges = new HashSet<>();
    g.get("edges").forEach(e -> edges.add(List.of(e.get(0).asText(), e.get(1).asText())));
    Set<List<String>> expected = new HashSet<>();
    for (PipelineStep s : template.steps()) for (String a : s.after()) expected.add(List.of(a, s.id()));
    assertEquals(expected, edges);
    assertEquals(expected.size(), g.get("edges").size(), "each edge once");
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 3})
  void sampleDagIsThePipelinesGraph(int version) throws Exception {
    Map<String, Step> catalog = TestSteps.catalog();
    JsonNode g = graph(sample(), version, dir, catalog);
    Pipeline template = PipelineFile.loadTemplate(sample(), Map.of(), null);
    assertDagIsPipeline(g, template, version);

    // written out by hand, not by the code under test: what one task must receive once Airflow renders its templates
    JsonNode qa = null;
    for (JsonNode t : g.get("tasks")) if (t.get("kwargs").get("task_id").asText().equals("qa-extractive")) qa = t.get("kwargs");
    List<String> args = new ArrayList<>();
    qa.get("application_args").forEach(a -> args.add(a.asText()));
    assertEquals(List.of("qa", "generate", "--generator", "extractive", "--lake", "{{ params.lake }}",
        "--set", "qa.openai.note={% raw %}it's {{ not }} a template\n\"quoted\" \\ run {% endraw %}{{ ds }} in {{ params.lake }}, ${literal} é",
        "--set", "tokenizer={{ params.tokenizer }}"), args);
    assertEquals("spark_qa", qa.get("conn_id").asText());
    assertEquals(Map.of("spark.executor.cores", "4", "spark.executor.memory", "4g", "spark.sql.shuffle.partitions", "64"),
        new ObjectMapper().convertValue(qa.get("conf"), Map.class));
    JsonNode dag = g.get("dag");
    assertEquals("{'retries': 2, 'retry_delay': timedelta(minutes=10)}", dag.get("default_args").get("source").asText());
    assertEquals(List.of("lwm", "books", "qa"), new ObjectMapper().convertValue(dag.get("tags"), List.class));
    assertEquals(Map.of("lake", "s3a://lwm-test/lake", "books", "s3a://corpus/books3/", "tokenizer", "s3a://lwm-test/tokenizer.model"),
        new ObjectMapper().convertValue(dag.get("params"), Map.class));
    assertEquals(List.of(List.of("books", "tokens"), List.of("tokens", "chunks"), List.of("chunks", "qa-extractive")),
        new ObjectMapper().convertValue(g.get("edges"), List.class));
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 3})
  void sampleDagsEqualTheReviewedGoldenFiles(int version) throws Exception {
    Path py = RenderCommand.render(sample(), version, dir, Map.of(), null, TestSteps.catalog());
    assertGolden("lwm-sample.airflow" + version + ".py", Files.readString(py));
  }

  /** Compares with {@code src/test/resources/airflow/NAME}, or rewrites it there with -Dlwm.golden.update=true. */
  public static void assertGolden(String name, String rendered) throws Exception {
    if (Boolean.getBoolean(GOLDEN_UPDATE)) {
      Path src = Path.of(System.getProperty("lwm.repo.root"), "orchestration", "src", "test", "resources", "airflow", name);
      Files.writeString(src, rendered, StandardCharsets.UTF_8);
      return;
    }
    var golden = DagRendererTest.class.getResource("/airflow/" + name);
    assertTrue(golden != null, "no golden file airflow/" + name + ": render it with -D" + GOLDEN_UPDATE + "=true and review it");
    assertEquals(Files.readString(Path.of(golden.toURI())), rendered, name + " differs from the reviewed golden file (-D" + GOLDEN_UPDATE + "=true rewrites it)");
  }

  @Test
  void theJarIsRequiredAndTheVersionChecked() throws Exception {
    Path f = dir.resolve("nojar.yaml");
    Files.writeString(f, "name: nojar\nsteps:\n  - {id: books, job: ingest books, args: [--input, in]}\n");
    UserError e = assertThrows(UserError.class, () -> RenderCommand.render(f, 2, dir, Map.of(), null, TestSteps.catalog()));
    assertTrue(e.getMessage().contains("airflow.jar") && e.getMessage().contains("required"), e.getMessage());
    UserError v = assertThrows(UserError.class, () -> RenderCommand.render(sample(), 4, dir, Map.of(), null, TestSteps.catalog()));
    assertTrue(v.getMessage().contains("2 or 3"), v.getMessage());
  }

  @Test
  void paramsAndTheLakeChangeTheDagsDefaults() throws Exception {
    Path py = RenderCommand.render(sample(), 3, dir, Map.of("books", "s3a://other/books"), "hdfs://nn/lake", TestSteps.catalog());
    String src = Files.readString(py);
    assertTrue(src.contains("params={\n        'lake': 'hdfs://nn/lake',\n        'books': 's3a://other/books',\n"), src);
    Path set = RenderCommand.render(sample(), 2, dir, Map.of(), null, Map.of("airflow.jar", "/opt/{{x}}.jar", "airflow.task_retries", "0"), TestSteps.catalog());
    String setSrc = Files.readString(set);
    assertTrue(setSrc.contains("application='{% raw %}/opt/{{x}}.jar{% endraw %}',") && setSrc.contains("{'retries': 0,"), setSrc);
    UserError e = assertThrows(UserError.class, () -> RenderCommand.render(sample(), 3, dir, Map.of("nope", "x"), null, TestSteps.catalog()));
    assertTrue(e.getMessage().contains("no param 'nope'"), e.getMessage());
  }

  @Test
  void secretsNeverReachTheDag() throws Exception {
    Path f = dir.resolve("secret.yaml");
    Files.writeString(f, "name: s\nconfig: {airflow.jar: /j.jar, s3.secret_key: hunter2}\nsteps:\n  - {id: books, job: ingest books}\n");
    UserError e = assertThrows(UserError.class, () -> RenderCommand.render(f, 2, dir, Map.of(), null, TestSteps.catalog()));
    assertTrue(e.getMessage().contains("s3.secret_key") && e.getMessage().contains("environment"), e.getMessage());
    assertFalse(e.getMessage().contains("hunter2"));
    assertFalse(Files.exists(dir.resolve("s.py")));
  }
}
