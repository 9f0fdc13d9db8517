package org.lwm.orchestration.pipeline;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.core.lake.Lake;

/**
 * Reads a pipeline definition (docs/PIPELINES.md): YAML with {@code name}, {@code schedule}, {@code lake},
 * {@code spark}, {@code config}, {@code params} and {@code steps}. Nested {@code spark}/{@code config} blocks are
 * flattened as a config file is ({@link Config#flatten}); every string value of {@code lake}, {@code spark},
 * {@code config} and a step's {@code config}/{@code args} has its variables substituted ({@link Variables}).
 * Anything malformed is a one-line error naming the file and the place.
 */
public final class PipelineFile {
  /** Airflow's task and DAG ids: letters, digits, {@code _ . -}. */
  static final Pattern ID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,249}");
  private static final Pattern PARAM = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Set<String> TOP = Set.of("name", "schedule", "lake", "spark", "config", "params", "steps");
  private static final Set<String> STEP = Set.of("id", "job", "config", "args", "after");
  private static final Set<String> PRESETS = Set.of("@once", "@continuous", "@hourly", "@daily", "@weekly", "@monthly", "@quarterly", "@yearly", "@annually");
  private static final Pattern CRON_FIELD = Pattern.compile("[0-9A-Za-z*/,?#-]+");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()).enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private PipelineFile() {}

  /**
   * The pipeline as a run sees it. {@code params} override the file's defaults (each must be declared there);
   * {@code runDate} is YYYY-MM-DD ({@code null}: today, UTC); {@code lakeOverride} replaces the file's lake
   * ({@code null}: keep it). The lake becomes a URI as {@link Lake#of} makes it: a relative path resolves against the
   * working directory, not the file's folder (the same as {@code --lake} on any job).
   */
  public static Pipeline load(Path file, Map<String, String> params, String runDate, String lakeOverride) {
    JsonNode root = read(file);
    String where = file.toString();
    Map<String, String> ps = params(root, params, where);
    String date = runDate(runDate, where);
    String rawLake = lakeOverride != null ? lakeOverride : Variables.values(null, date, ps).apply(rawLake(root, where), where + ": lake");
    String lake = Lake.of(rawLake).root();
    return build(file, root, lake, ps, Variables.values(lake, date, ps));
  }

  /**
   * The pipeline as a DAG sees it: {@code ${lake}}, {@code ${params.X}} and {@code ${run_date}} become Airflow
   * templates, {@link Pipeline#lake} is {@code {{ params.lake }}}, and {@link Pipeline#params} are the DAG's params:
   * {@code lake} first (its default the file's lake, or {@code lakeOverride}, as written: the DAG runs elsewhere), then
   * the file's params with {@code params} applied.
   */
  public static Pipeline loadTemplate(Path file, Map<String, String> params, String lakeOverride) {
    JsonNode root = read(file);
    String where = file.toString();
    Map<String, String> declared = params(root, params, where);
    String raw = rawLake(root, where);
    String lakeDefault = lakeOverride != null ? lakeOverride : Variables.values(null, null, declared).apply(raw, where + ": lake");
    if (declared.containsKey("lake") && lakeOverride == null && !raw.strip().equals("${params.lake}")) {
      throw new UserError(where + ": param 'lake' would clash with the DAG's own lake param: write lake: ${params.lake}, or rename the param");
    }
    Map<String, String> dagParams = new LinkedHashMap<>();
    dagParams.put("lake", lakeDefault);
    declared.forEach(dagParams::putIfAbsent);
    Variables vars = Variables.airflow(dagParams.keySet());
    return build(file, root, "{{ params.lake }}", dagParams, vars);
  }

  private static Pipeline build(Path file, JsonNode root, String lake, Map<String, String> params, Variables vars) {
    String where = file.toString();
    String name = text(root, "name", where);
    if (name == null) throw new UserError(where + ": 'name' is required (the pipeline's name, also its DAG id)");
    if (!ID.matcher(name).matches()) throw new UserError(where + ": name '" + name + "' may hold only letters, digits, '_', '.' and '-' (it is the DAG id)");
    String schedule = schedule(root, where);

    Map<String, String> spark = new LinkedHashMap<>();
    flat(root.get("spark"), where + ": spark").forEach((k, v) -> spark.put(k.startsWith("spark.") ? k : "spark." + k, vars.apply(v, where + ": spark." + k)));
    Map<String, String> config = new LinkedHashMap<>();
    flat(root.get("config"), where + ": config").forEach((k, v) -> config.put(k, vars.apply(v, where + ": config " + k)));

    JsonNode stepsNode = root.get("steps");
    if (stepsNode == null || !stepsNode.isArray() || stepsNode.isEmpty()) {
      throw new UserError(where + ": 'steps' must be a non-empty list of {id, job, config, args, after}");
    }
    List<PipelineStep> steps = new ArrayList<>();
    int n = 0;
    for (JsonNode s : stepsNode) steps.add(step(s, n++, where, vars));
    return new Pipeline(file, name, schedule, lake, spark, config, params, steps);
  }

  private static PipelineStep step(JsonNode s, int index, String file, Variables vars) {
    String at = file + ": steps[" + index + "]";
    if (!s.isObject()) throw new UserError(at + " must be a mapping with id and job");
    String id = text(s, "id", at);
    if (id == null) throw new UserError(at + ": 'id' is required");
    if (!ID.matcher(id).matches()) throw new UserError(at + ": id '" + id + "' may hold only letters, digits, '_', '.' and '-' (it is the Airflow task id)");
    String where = file + ": step '" + id + "'";
    unknownFields(s, STEP, where);
    String job = text(s, "job", where);
    if (job == null || job.isBlank()) throw new UserError(where + ": 'job' is required (a step name such as 'ingest books')");
    job = String.join(" ", job.strip().split("\\s+"));
    Map<String, String> config = new LinkedHashMap<>();
    flat(s.get("config"), where + ": config").forEach((k, v) -> config.put(k, vars.apply(v, where + ": config " + k)));
    List<String> args = new ArrayList<>();
    int i = 0;
    for (String a : list(s.get("args"), where + ": args", false)) args.add(vars.apply(a, where + ": args[" + i++ + "]"));
    List<String> after = list(s.get("after"), where + ": after", true);
    return new PipelineStep(id, job, config, args, after);
  }

  private static JsonNode read(Path file) {
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) throw new UserError("pipeline file " + file + " does not exist or is not readable");
    JsonNode root;
    try {
      root = YAML.readTree(file.toFile());
    } catch (IOException e) {
      String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      int nl = m.indexOf('\n');
      throw new UserError("pipeline file " + file + " is not valid YAML: " + (nl < 0 ? m : m.substring(0, nl)));
    }
    if (root == null || !root.isObject()) throw new UserError("pipeline file " + file + " must hold a YAML mapping (name, schedule, lake, spark, config, params, steps)");
    unknownFields(root, TOP, file.toString());
    return root;
  }

  private static String rawLake(JsonNode root, String where) {
    String lake = text(root, "lake", where);
    return lake == null || lake.isBlank() ? "lake" : lake;
  }

  /** The declared params (name -> default) with {@code given} applied; a given param must be declared. */
  private static Map<String, String> params(JsonNode root, Map<String, String> given, String where) {
    Map<String, String> out = new LinkedHashMap<>();
    JsonNode p = root.get("params");
    if (p != null && !p.isNull()) {
      if (!p.isObject()) throw new UserError(where + ": 'params' must be a mapping of name to default value");
      for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!PARAM.matcher(e.getKey()).matches()) throw new UserError(where + ": param '" + e.getKey() + "' must be a name of letters, digits and '_'");
        if (!e.getValue().isValueNode() || e.getValue().isNull()) throw new UserError(where + ": param '" + e.getKey() + "' needs a default value (a string or number)");
        out.put(e.getKey(), e.getValue().asText());
      }
    }
    if (given != null) {
      for (Map.Entry<String, String> e : given.entrySet()) {
        if (!out.containsKey(e.getKey())) {
          throw new UserError(where + ": no param '" + e.getKey() + "' (declared: " + (out.isEmpty() ? "none" : String.join(", ", out.keySet())) + ")");
        }
        out.put(e.getKey(), e.getValue());
      }
    }
    return out;
  }

  private static String runDate(String runDate, String where) {
    if (runDate == null) return LocalDate.now(ZoneOffset.UTC).toString();
    try {
      return LocalDate.parse(runDate).toString();
    } catch (DateTimeParseException e) {
      throw new UserError(where + ": run date '" + runDate + "' is not a date YYYY-MM-DD");
    }
  }

  private static String schedule(JsonNode root, String where) {
    JsonNode s = root.get("schedule");
    if (s == null || s.isNull()) return null;
    if (!s.isTextual()) throw new UserError(where + ": schedule must be a cron expression, a preset such as @daily, or null");
    String v = s.asText().strip();
    if (v.startsWith("@")) {
      if (!PRESETS.contains(v)) throw new UserError(where + ": schedule '" + v + "' is not a preset (" + String.join(", ", new java.util.TreeSet<>(PRESETS)) + ")");
      return v;
    }
    String[] fields = v.split("\\s+");
    boolean ok = fields.length == 5 || fields.length == 6;
    for (String f : fields) ok &= CRON_FIELD.matcher(f).matches();
    if (!ok) throw new UserError(where + ": schedule '" + v + "' is not a cron expression (5 fields: minute hour day month weekday) or a preset such as @daily");
    return String.join(" ", fields);
  }

  private static Map<String, String> flat(JsonNode node, String where) {
    if (node == null || node.isNull()) return Map.of();
    if (!node.isObject()) throw new UserError(where + " must be a mapping of keys to values");
    return Config.flatten(node);
  }

  /** A list of strings; {@code after: a} may name one step without brackets, but args are always a list. */
  private static List<String> list(JsonNode node, String where, boolean oneAllowed) {
    List<String> out = new ArrayList<>();
    if (node == null || node.isNull()) return out;
    if (node.isValueNode() && oneAllowed) {
      out.add(node.asText());
      return out;
    }
    if (node.isValueNode()) throw new UserError(where + " must be a list, one argument an item: [--input, samples/books]");
    if (!node.isArray()) throw new UserError(where + " must be a list of strings");
    for (JsonNode n : node) {
      if (!n.isValueNode() || n.isNull()) throw new UserError(where + " must be a list of strings, got " + n);
      out.add(n.asText());
    }
    return out;
  }

  private static String text(JsonNode node, String field, String where) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) return null;
    if (!v.isValueNode()) throw new UserError(where + ": '" + field + "' must be a single value");
    return v.asText();
  }

  private static void unknownFields(JsonNode node, Set<String> known, String where) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!known.contains(f)) throw new UserError(where + ": unknown field '" + f + "' (fields: " + String.join(", ", new java.util.TreeSet<>(known)) + ")");
    }
  }
}
