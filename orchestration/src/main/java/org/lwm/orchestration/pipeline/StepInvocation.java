package org.lwm.orchestration.pipeline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.lwm.core.cli.UserError;
import org.lwm.core.spark.SparkSessions;

/**
 * A pipeline step as one run of the fat jar's main class, the form both {@code lwm pipeline submit} and the Airflow
 * DAG use, so the two cannot drift apart: the application arguments (the job's words, the step's args,
 * {@code --lake}, a {@code --set} per config key of the pipeline and the step), the Spark settings ({@code --conf})
 * and a name. Secrets are refused here: a script or a DAG file is no place for them.
 */
public record StepInvocation(String name, List<String> arguments, Map<String, String> sparkConf) {
  /** What spark-submit runs from the fat jar: the {@code lwm} command. */
  public static final String MAIN_CLASS = "org.lwm.orchestration.Lwm";
  private static final Pattern SECRET = Pattern.compile(SparkSessions.REDACTION_REGEX);

  public static StepInvocation of(Pipeline p, PipelineStep s) {
    return new StepInvocation(p.name() + ":" + s.id(), arguments(p, s), sparkConf(p, s));
  }

  /**
   * {@code ingest books --input samples/books --lake L --set k=v …}: what follows the jar on the spark-submit line
   * and becomes the operator's {@code application_args}. Spark keys go to {@link #sparkConf} instead, {@code airflow.*}
   * keys belong to the DAG, and the lake is {@code --lake}.
   */
  public static List<String> arguments(Pipeline p, PipelineStep s) {
    refuseSecrets(p, s);
    List<String> out = new ArrayList<>(Arrays.asList(s.job().split(" ")));
    out.addAll(s.args());
    out.add("--lake");
    out.add(p.lake());
    jobConfig(p, s).forEach((k, v) -> {
      out.add("--set");
      out.add(k + "=" + v);
    });
    return out;
  }

  /**
   * The step's Spark settings: the pipeline's {@code spark} block, then {@code spark.*} keys of the pipeline's and
   * the step's config. {@code spark.master} is left out: spark-submit's {@code --master} (or the Airflow connection)
   * says where the step runs.
   */
  public static Map<String, String> sparkConf(Pipeline p, PipelineStep s) {
    refuseSecrets(p, s);
    Map<String, String> out = new TreeMap<>(p.spark());
    p.config().forEach((k, v) -> { if (k.startsWith("spark.")) out.put(k, v); });
    s.config().forEach((k, v) -> { if (k.startsWith("spark.")) out.put(k, v); });
    out.remove("spark.master");
    return out;
  }

  /** The pipeline's and the step's config (later wins) that the job reads through {@code --set}. */
  static Map<String, String> jobConfig(Pipeline p, PipelineStep s) {
    Map<String, String> all = new TreeMap<>(p.config());
    all.putAll(s.config());
    Map<String, String> out = new LinkedHashMap<>();
    all.forEach((k, v) -> {
      if (!k.equals("lake") && !k.startsWith("spark.") && !k.startsWith(PipelineValidator.AIRFLOW_PREFIX)) out.put(k, v);
    });
    return out;
  }

  private static void refuseSecrets(Pipeline p, PipelineStep s) {
    List<String> keys = new ArrayList<>(p.spark().keySet());
    keys.addAll(p.config().keySet());
    keys.addAll(s.config().keySet());
    for (int i = 0; i < s.args().size(); i++) {
      String a = s.args().get(i);
      if (a.startsWith("--")) keys.add(a.contains("=") ? a.substring(0, a.indexOf('=')) : a);
      if (a.equals("--set") && i + 1 < s.args().size()) keys.add(s.args().get(i + 1).split("=", 2)[0]);
    }
    for (String k : keys) {
      // a key ending in _env names the environment variable that holds a secret (qa.openai.api_key_env): no secret itself
      if (SECRET.matcher(k).find() && !k.endsWith("_env")) {
        throw new UserError("step '" + s.id() + "': '" + k + "' looks like a secret and would be written into the spark-submit command or the DAG file: "
            + "give it through the environment instead (e.g. AWS_SECRET_ACCESS_KEY, OPENAI_API_KEY)");
      }
    }
  }
}
