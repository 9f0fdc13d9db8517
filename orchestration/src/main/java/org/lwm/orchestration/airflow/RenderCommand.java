package org.lwm.orchestration.airflow;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lwm.core.cli.UserError;
import org.lwm.core.step.Step;
import org.lwm.core.step.Steps;
import org.lwm.orchestration.pipeline.Pipeline;
import org.lwm.orchestration.pipeline.PipelineCommand;
import org.lwm.orchestration.pipeline.PipelineFile;
import org.lwm.orchestration.pipeline.PipelineValidator;
import org.lwm.orchestration.pipeline.Variables;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lwm airflow render}: a pipeline as an Airflow 2 or 3 DAG file, {@code DIR/<pipeline name>.py}. The pipeline
 * is validated first; the lake is not looked at (a trigger may point the run at another lake).
 */
@Command(name = "render", mixinStandardHelpOptions = true,
    description = {"Write a pipeline as an Airflow DAG file: a SparkSubmitOperator per step, edges from 'after'.",
        "Config airflow.jar (required), airflow.conn_id, airflow.task_retries, airflow.task_retry_delay_minutes, airflow.tags, airflow.start_date."})
public final class RenderCommand implements Runnable {
  @Parameters(index = "0", paramLabel = "PIPELINE.yaml", description = "The pipeline definition (docs/PIPELINES.md).")
  Path file;

  @Option(names = "--airflow", required = true, paramLabel = "2|3", description = "The Airflow major version the DAG is for.")
  int airflow;

  @Option(names = "--output", required = true, paramLabel = "DIR", description = "Folder for <pipeline name>.py (created if missing), e.g. Airflow's dags folder.")
  Path output;

  @Option(names = "--param", paramLabel = "NAME=VALUE", description = "Change a param's default in the DAG (repeatable).")
  Map<String, String> params = new LinkedHashMap<>();

  @Option(names = "--lake", paramLabel = "URI", description = "The DAG's default lake instead of the pipeline's.")
  String lake;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "A config key over the pipeline's (repeatable; taken as written), e.g. --set airflow.jar=s3a://bucket/lwm-spark.jar.")
  Map<String, String> overrides = new LinkedHashMap<>();

  @Option(names = {"-v", "--verbose"}, description = "Show stack traces.")
  boolean verbose;

  @Override
  public void run() {
    // the DAG's args hold templates; their concrete form (the params' defaults) is what the job's options parse
    PipelineCommand.checkArgs(PipelineFile.load(file, params, null, lake).withConfig(overrides));
    Path written = render(file, airflow, output, params, lake, overrides, Steps.all());
    System.out.println("wrote " + written + " (Airflow " + airflow + ")");
  }

  /** Loads, validates and renders; returns the file written. */
  static Path render(Path file, int airflow, Path output, Map<String, String> params, String lake, Map<String, Step> catalog) {
    return render(file, airflow, output, params, lake, Map.of(), catalog);
  }

  static Path render(Path file, int airflow, Path output, Map<String, String> params, String lake, Map<String, String> overrides,
      Map<String, Step> catalog) {
    if (airflow != 2 && airflow != 3) throw new UserError("--airflow must be 2 or 3, got " + airflow);
    Map<String, String> literal = new LinkedHashMap<>();
    overrides.forEach((k, v) -> literal.put(k, Variables.airflowLiteral(v)));
    Pipeline p = PipelineFile.loadTemplate(file, params, lake).withConfig(literal);
    PipelineValidator.validate(p, catalog, table -> true);
    String lakeDefault = p.params().get("lake");
    if (!lakeDefault.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
      System.err.println("lwm: note: the DAG's lake '" + lakeDefault + "' is a relative path: Spark resolves it where the step's driver runs; give a URI (s3a://, hdfs://) for a cluster");
    }
    List<String> inputs = PipelineValidator.externalInputs(p, catalog);
    String py = DagRenderer.render(p, airflow, inputs);
    try {
      Files.createDirectories(output);
      Path out = output.resolve(p.name() + ".py");
      Path tmp = output.resolve("." + p.name() + ".py.tmp");
      Files.writeString(tmp, py, StandardCharsets.UTF_8);
      // Airflow's scheduler parses the folder continuously: it must never see half a file
      Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      return out;
    } catch (IOException e) {
      throw new UserError("cannot write the DAG into " + output + ": " + e.getMessage());
    }
  }
}
