package org.lwm.orchestration.airflow;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.lwm.core.step.Steps;
import org.lwm.orchestration.pipeline.Pipeline;
import org.lwm.orchestration.pipeline.PipelineFile;
import org.lwm.orchestration.pipeline.PipelineValidator;

/**
 * The shipped pipelines against the real catalog of steps: each validates on an empty lake (every table a step
 * requires is written by an earlier step) and renders for Airflow 2 and 3 into DAGs whose graph, read back by
 * Python's ast, is the pipeline's. The demo's DAGs are reviewed golden files as well.
 */
class ShippedDagsTest {
  /** The demo names no jar for Airflow; its DAG is rendered for one at a typical place. */
  static final Map<String, String> DEMO_JAR = Map.of("airflow.jar", "/opt/lwm/orchestration-0.1.0-SNAPSHOT-spark.jar");
  @TempDir Path dir;

  @ParameterizedTest
  @CsvSource({"samples/pipeline.yaml, 2", "samples/pipeline.yaml, 3", "pipelines/lwm-text.yaml, 2", "pipelines/lwm-text.yaml, 3",
      "pipelines/lwm-vision.yaml, 2", "pipelines/lwm-vision.yaml, 3"})
  void validatesAndRendersIntoItsOwnGraph(String path, int version) throws Exception {
    Path file = Path.of(System.getProperty("lwm.repo.root")).resolve(path);
    Map<String, String> set = path.startsWith("samples/") ? DEMO_JAR : Map.of();
    PipelineValidator.validate(PipelineFile.load(file, Map.of(), "2026-01-01", null), Steps.all(), table -> false);
    Path py = RenderCommand.render(file, version, dir, Map.of(), null, set, Steps.all());
    Pipeline template = PipelineFile.loadTemplate(file, Map.of(), null).withConfig(set);
    DagRendererTest.assertDagIsPipeline(DagRendererTest.graph(py), template, version);
    if (path.startsWith("samples/")) DagRendererTest.assertGolden(template.name() + ".airflow" + version + ".py", Files.readString(py));
  }
}
