package org.lwm.orchestration.airflow;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.orchestration.pipeline.Pipeline;
import org.lwm.orchestration.pipeline.PipelineStep;
import org.lwm.orchestration.pipeline.StepInvocation;

/**
 * A pipeline as an Airflow DAG file: one SparkSubmitOperator per step running the fat jar with the step's
 * {@link StepInvocation} (the same arguments {@code lwm pipeline submit} passes), edges from {@code after}, and the
 * lake and the pipeline's params as DAG params so a manual trigger can change them. Airflow 2 and 3 differ only in
 * where {@code DAG} comes from; both use {@code schedule=}.
 */
public final class DagRenderer {
  static final String DEFAULT_CONN = "spark_default";

  private DagRenderer() {}

  /**
   * {@code template} is the pipeline as {@code PipelineFile.loadTemplate} reads it (values hold Airflow templates);
   * {@code lakeInputs} are the tables the lake must hold, named in the header.
   */
  public static String render(Pipeline template, int airflow, List<String> lakeInputs) {
    if (airflow != 2 && airflow != 3) throw new UserError("--airflow must be 2 or 3, got " + airflow);
    Config dagConfig = Config.of(template.config());
    String jar = dagConfig.get("airflow.jar", null);
    if (jar == null || jar.isBlank()) {
      throw new UserError(template.file() + ": config key 'airflow.jar' is required to render a DAG: the fat jar's path or URI as Airflow's Spark connection reaches it (e.g. s3a://bucket/lwm/orchestration-spark.jar)");
    }
    int retries = dagConfig.getInt("airflow.task_retries", 1);
    double delay = dagConfig.getDouble("airflow.task_retry_delay_minutes", 5);
    if (retries < 0 || delay < 0) throw new UserError(template.file() + ": airflow.task_retries and airflow.task_retry_delay_minutes must not be negative");
    LocalDate start = startDate(dagConfig.get("airflow.start_date", "2024-01-01"), template);
    List<String> tags = new ArrayList<>(List.of("lwm"));
    for (String t : dagConfig.getList("airflow.tags")) if (!tags.contains(t)) tags.add(t);

    StringBuilder py = new StringBuilder();
    header(py, template, airflow, jar, lakeInputs);
    py.append("from datetime import timedelta\n\n");
    py.append("import pendulum\n");
    py.append(airflow == 2 ? "from airflow import DAG\n" : "from airflow.sdk import DAG\n");
    py.append("from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator\n\n");
    py.append("with DAG(\n");
    arg(py, 1, "dag_id", PythonLiterals.str(template.name()));
    arg(py, 1, "description", PythonLiterals.str("lwm pipeline " + template.name() + " (" + template.file().getFileName() + ")"));
    arg(py, 1, "schedule", template.schedule() == null ? "None" : PythonLiterals.str(template.schedule()));
    arg(py, 1, "start_date", "pendulum.datetime(" + start.getYear() + ", " + start.getMonthValue() + ", " + start.getDayOfMonth() + ", tz='UTC')");
    arg(py, 1, "catchup", "False");
    arg(py, 1, "max_active_runs", "1");
    arg(py, 1, "default_args", "{'retries': " + retries + ", 'retry_delay': timedelta(minutes=" + number(delay) + ")}");
    arg(py, 1, "tags", PythonLiterals.list(tags));
    arg(py, 1, "params", PythonLiterals.dict(template.params(), "        "));
    py.append(") as dag:\n");

    Set<String> taken = new HashSet<>();
    Map<String, String> vars = new LinkedHashMap<>();
    List<PipelineStep> order = template.ordered();
    for (PipelineStep s : order) vars.put(s.id(), PythonLiterals.identifier(s.id(), taken));
    for (PipelineStep s : order) {
      StepInvocation inv = StepInvocation.of(template, s);
      Config c = template.stepConfig(s);
      py.append("    ").append(vars.get(s.id())).append(" = SparkSubmitOperator(\n");
      arg(py, 2, "task_id", PythonLiterals.str(s.id()));
      arg(py, 2, "name", PythonLiterals.str(inv.name()));
      arg(py, 2, "application", PythonLiterals.str(c.get("airflow.jar", jar)));
      arg(py, 2, "java_class", PythonLiterals.str(StepInvocation.MAIN_CLASS));
      arg(py, 2, "conn_id", PythonLiterals.str(c.get("airflow.conn_id", DEFAULT_CONN)));
      arg(py, 2, "conf", PythonLiterals.dict(inv.sparkConf(), "            "));
      py.append("        application_args=[\n");
      List<String> a = inv.arguments();
      int words = s.job().split(" ").length;
      py.append("           ");
      for (String w : a.subList(0, words)) py.append(' ').append(PythonLiterals.str(w)).append(',');
      py.append('\n');
      for (int i = words; i < a.size(); i++) {
        // an option and its value on one line: reads like the command line it is
        boolean pair = a.get(i).startsWith("--") && i + 1 < a.size() && !a.get(i + 1).startsWith("--");
        py.append("            ").append(PythonLiterals.str(a.get(i))).append(',');
        if (pair) py.append(' ').append(PythonLiterals.str(a.get(++i))).append(',');
        py.append('\n');
      }
      py.append("        ],\n");
      py.append("    )\n");
    }
    List<String> edges = new ArrayList<>();
    for (PipelineStep s : order) for (String a : s.after()) edges.add("    " + vars.get(a) + " >> " + vars.get(s.id()) + "\n");
    if (!edges.isEmpty()) {
      py.append('\n');
      edges.forEach(py::append);
    }
    return py.toString();
  }

  private static void header(StringBuilder py, Pipeline p, int airflow, String jar, List<String> lakeInputs) {
    List<String> lines = new ArrayList<>();
    lines.add("DAG " + p.name() + ", rendered by `lwm airflow render` from " + p.file().getFileName() + ": change the pipeline and render again rather than edit this.");
    lines.add(airflow == 2
        ? "Airflow 2.4 or newer (schedule=), with apache-airflow-providers-apache-spark."
        : "Airflow 3.0 or newer (the airflow.sdk DAG), with apache-airflow-providers-apache-spark.");
    lines.add("Each task is a spark-submit of the fat jar (" + jar + ") through its Spark connection, running one step with");
    lines.add("the same arguments as `lwm pipeline submit`. Trigger with params to change the run, e.g. {\"lake\": \"s3a://bucket/other-lake\"};");
    lines.add("the run date (${run_date}) is the run's logical date {{ ds }}.");
    if (!lakeInputs.isEmpty()) lines.add("The lake must already hold: " + String.join(", ", lakeInputs) + " (no step of the pipeline writes them).");
    for (String l : lines) py.append("# ").append(l.replace('\n', ' ').replace('\r', ' ')).append('\n');
  }

  private static void arg(StringBuilder py, int depth, String name, String value) {
    py.append("    ".repeat(depth)).append(name).append('=').append(value).append(",\n");
  }

  private static String number(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }

  private static LocalDate startDate(String s, Pipeline p) {
    try {
      return LocalDate.parse(s.strip());
    } catch (DateTimeParseException e) {
      throw new UserError(p.file() + ": airflow.start_date '" + s + "' is not a date YYYY-MM-DD");
    }
  }
}
