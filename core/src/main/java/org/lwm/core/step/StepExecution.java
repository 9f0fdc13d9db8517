package org.lwm.core.step;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.LwmVersion;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.tokenizer.TokenizerFiles;

/**
 * Runs a step with its provenance, the one place that writes it: before the job, the tokenizer check (a table made
 * with another tokenizer than the one the step is given is refused) and the fingerprint; after it, into every table
 * it wrote, the code version, config hash, tokenizer identity, input versions and counts, keyed by the step's scope
 * ({@code lwm.step.<scope>.fingerprint}), so {@link #upToDate} can tell that a re-run would change nothing. A step
 * that writes no table records the same in {@code <lake>/_lwm/steps/<scope>.json}.
 */
public final class StepExecution {
  public static final String TOKENIZER_PROPERTY = "lwm.tokenizer";
  /** The config key of the SentencePiece model a step is given. */
  public static final String TOKENIZER_KEY = "tokenizer";
  private static final ObjectMapper JSON = new ObjectMapper();

  private StepExecution() {}

  /** Runs {@code step} as the CLI does: provenance under the step's own scope. */
  public static JobCounts run(Step step, SparkSession spark, Lake lake, Config config) {
    return run(step, spark, lake, config, step.scope(config));
  }

  public static JobCounts run(Step step, SparkSession spark, Lake lake, Config config, String scope) {
    String tokenizer = checkTokenizer(step, spark, lake, config);
    Fingerprint fp = fingerprint(step, spark, lake, config, tokenizer);
    JobCounts counts = step.run(spark, lake, config);
    record(step, spark, lake, scope, fp, counts);
    return counts;
  }

  /** True when every table the step writes records this scope's fingerprint as it would be now. */
  public static boolean upToDate(Step step, SparkSession spark, Lake lake, Config config, String scope) {
    String tokenizer = checkTokenizer(step, spark, lake, config);
    String digest = fingerprint(step, spark, lake, config, tokenizer).digest();
    List<String> outputs = outputs(step);
    if (outputs.isEmpty()) {
      Map<String, Object> marker = readMarker(spark, lake, scope);
      return marker != null && digest.equals(marker.get("fingerprint"));
    }
    for (String t : outputs) {
      if (!lake.exists(spark, t)) return false;
      if (!digest.equals(lake.properties(spark, t).get(key(scope, "fingerprint")))) return false;
    }
    return true;
  }

  public static Fingerprint fingerprint(Step step, SparkSession spark, Lake lake, Config config) {
    return fingerprint(step, spark, lake, config, checkTokenizer(step, spark, lake, config));
  }

  private static Fingerprint fingerprint(Step step, SparkSession spark, Lake lake, Config config, String tokenizer) {
    Map<String, Long> inputs = new TreeMap<>();
    for (String t : step.reads()) {
      if (lake.exists(spark, t)) inputs.put(t, lake.version(spark, t));
    }
    return new Fingerprint(LwmVersion.get(), configHash(step, config), tokenizer, inputs, step.sourceVersion(spark, config));
  }

  /** SHA-256 of the step's own keys as they apply (value or default); the tokenizer enters by identity instead. */
  public static String configHash(Step step, Config config) {
    TreeMap<String, String> effective = new TreeMap<>();
    for (ConfigKey k : step.keys()) {
      if (k.key().equals(TOKENIZER_KEY)) continue;
      if (k.isFamily()) {
        config.asMap().forEach((name, v) -> { if (k.matches(name)) effective.put(name, v); });
      } else {
        String v = config.get(k.key(), k.defaultValue());
        if (v != null) effective.put(k.key(), v);
      }
    }
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      effective.forEach((k, v) -> md.update((k + "=" + v + "\n").getBytes(StandardCharsets.UTF_8)));
      return HexFormat.of().formatHex(md.digest()).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The tokenizer identity the step works with: the one it is given (config {@code tokenizer}), else the one its
   * inputs share. Refuses inputs made with another tokenizer, or with two different ones.
   */
  static String checkTokenizer(Step step, SparkSession spark, Lake lake, Config config) {
    String given = null;
    String givenUri = null;
    boolean takesTokenizer = step.keys().stream().anyMatch(k -> k.key().equals(TOKENIZER_KEY));
    if (takesTokenizer && config.has(TOKENIZER_KEY)) {
      givenUri = config.get(TOKENIZER_KEY, null);
      given = TokenizerFiles.identity(spark, givenUri);
    }
    String inherited = null;
    String inheritedFrom = null;
    for (String t : step.reads()) {
      if (!lake.exists(spark, t)) continue;
      String had = lake.properties(spark, t).get(TOKENIZER_PROPERTY);
      if (had == null) continue;
      if (given != null && !had.equals(given)) {
        throw new UserError(step.name() + ": table " + t + " was made with tokenizer " + had.substring(0, 12) + "…, not "
            + given.substring(0, 12) + "… (" + givenUri + "): re-run the steps that write " + t + " with this tokenizer, or pass the one it was made with");
      }
      if (inherited != null && !had.equals(inherited)) {
        throw new UserError(step.name() + ": tables " + inheritedFrom + " and " + t + " were made with different tokenizers ("
            + inherited.substring(0, 12) + "…, " + had.substring(0, 12) + "…): re-run the steps that write them with one tokenizer");
      }
      inherited = had;
      inheritedFrom = t;
    }
    return given != null ? given : inherited;
  }

  private static void record(Step step, SparkSession spark, Lake lake, String scope, Fingerprint fp, JobCounts counts) {
    List<String> outputs = outputs(step);
    if (outputs.isEmpty()) {
      writeMarker(spark, lake, scope, fp, counts);
      return;
    }
    Map<String, String> props = new LinkedHashMap<>(counts.asProperties());
    props.put("lwm.code_version", fp.codeVersion());
    props.put("lwm.config_hash", fp.configHash());
    if (fp.tokenizer() != null) props.put(TOKENIZER_PROPERTY, fp.tokenizer());
    props.put(key(scope, "job"), step.name());
    props.put(key(scope, "config_hash"), fp.configHash());
    props.put(key(scope, "inputs"), fp.inputsText());
    props.put(key(scope, "fingerprint"), fp.digest());
    for (String t : outputs) {
      if (lake.exists(spark, t)) lake.setProperties(spark, t, props);
    }
  }

  /** The tables whose properties carry the step's provenance: what it writes, less the shared {@code rejects}. */
  static List<String> outputs(Step step) {
    List<String> out = new ArrayList<>(step.writes());
    out.remove(Tables.REJECTS);
    return out;
  }

  static String key(String scope, String name) {
    return "lwm.step." + scope + "." + name;
  }

  private static Path markerPath(Lake lake, String scope) {
    return new Path(lake.root() + "/_lwm/steps/" + scope + ".json");
  }

  private static void writeMarker(SparkSession spark, Lake lake, String scope, Fingerprint fp, JobCounts counts) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("fingerprint", fp.digest());
    m.put("code_version", fp.codeVersion());
    m.put("config_hash", fp.configHash());
    m.put("tokenizer", fp.tokenizer());
    m.put("inputs", fp.inputsText());
    m.put("counts", counts.values());
    try {
      FileSystem fs = lake.fileSystem(spark);
      Path p = markerPath(lake, scope);
      Path tmp = new Path(p.getParent(), "." + p.getName() + ".tmp");
      try (OutputStream out = fs.create(tmp, true)) {
        out.write(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
      }
      fs.delete(p, false);
      if (!fs.rename(tmp, p)) throw new IOException("cannot rename " + tmp + " to " + p);
    } catch (IOException e) {
      throw new UserError("cannot record step " + scope + " in " + lake + ": " + e.getMessage());
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> readMarker(SparkSession spark, Lake lake, String scope) {
    try {
      FileSystem fs = lake.fileSystem(spark);
      Path p = markerPath(lake, scope);
      if (!fs.exists(p)) return null;
      try (InputStream in = fs.open(p)) {
        return JSON.readValue(in, Map.class);
      }
    } catch (IOException e) {
      return null; // unreadable marker: the step runs again
    }
  }
}
