package org.lwm.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import org.lwm.core.cli.UserError;
import org.lwm.core.spark.Hadoop;

/**
 * A job's configuration: a YAML file flattened to dotted keys ({@code qa: {chunk_tokens: 1000}} becomes
 * {@code qa.chunk_tokens}), then {@code --set key=value} overrides. Values are strings; typed getters
 * parse them and name the key when they cannot.
 */
public final class Config {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private final Map<String, String> values;

  private Config(Map<String, String> values) {
    this.values = Collections.unmodifiableMap(values);
  }

  public static Config empty() {
    return new Config(new TreeMap<>());
  }

  public static Config of(Map<String, String> values) {
    return new Config(new TreeMap<>(values));
  }

  /** Loads {@code file} (may be null) and applies {@code overrides} on top. */
  public static Config load(Path file, Map<String, String> overrides) {
    return load(file == null ? null : file.toString(), overrides);
  }

  /**
   * Loads a config from a path or a Hadoop URI ({@code s3a://…}, {@code hdfs://…}: how spark-submit jobs find
   * theirs; may be null) and applies {@code overrides} on top.
   */
  public static Config load(String location, Map<String, String> overrides) {
    TreeMap<String, String> values = new TreeMap<>();
    if (location != null) {
      JsonNode root;
      try {
        root = YAML.readTree(readText(location));
      } catch (IOException e) {
        throw new UserError("config file " + location + " is not valid YAML: " + firstLine(e.getMessage()));
      }
      if (root != null && !root.isNull()) {
        if (!root.isObject()) {
          throw new UserError("config file " + location + " must hold a YAML mapping at the top level");
        }
        flatten("", root, values);
      }
    }
    if (overrides != null) {
      values.putAll(overrides);
    }
    return new Config(values);
  }

  /** A config file's text, local or on a Hadoop file system; a one-line error when it cannot be read. */
  public static String readText(String location) {
    try {
      if (Hadoop.isRemote(location)) return Hadoop.readText(location);
      Path file = Path.of(location.startsWith("file:") ? java.net.URI.create(location).getPath() : location);
      if (!Files.isReadable(file)) throw new UserError("config file " + location + " does not exist or is not readable");
      return Files.readString(file);
    } catch (IOException e) {
      throw new UserError("config file " + location + " cannot be read: " + firstLine(e.getMessage()));
    }
  }

  /**
   * A YAML/JSON tree as dotted keys, the way a config file is read: nested mappings join their keys with dots,
   * lists become one comma-separated value, nulls are left out. Pipelines use it for their {@code config} blocks.
   */
  public static Map<String, String> flatten(JsonNode node) {
    TreeMap<String, String> out = new TreeMap<>();
    if (node != null && !node.isNull()) flatten("", node, out);
    return out;
  }

  private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
      }
    } else if (node.isArray()) {
      // lists stay one value, comma-separated, e.g. lengths: [2048, 8192] -> "2048,8192"
      StringBuilder sb = new StringBuilder();
      for (JsonNode item : node) {
        if (sb.length() > 0) sb.append(',');
        sb.append(item.isValueNode() ? item.asText() : item.toString());
      }
      out.put(prefix, sb.toString());
    } else if (!node.isNull()) {
      out.put(prefix, node.asText());
    }
  }

  private static String firstLine(String s) {
    if (s == null) return "";
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  public boolean has(String key) {
    return values.containsKey(key);
  }

  public String get(String key, String fallback) {
    return values.getOrDefault(key, fallback);
  }

  public String require(String key) {
    String v = values.get(key);
    if (v == null) throw new UserError("config key '" + key + "' is required: set it in the config file or with --set " + key + "=...");
    return v;
  }

  public int getInt(String key, int fallback) {
    String v = values.get(key);
    if (v == null) return fallback;
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new UserError("config key '" + key + "' must be an integer, got '" + v + "'");
    }
  }

  public long getLong(String key, long fallback) {
    String v = values.get(key);
    if (v == null) return fallback;
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new UserError("config key '" + key + "' must be an integer, got '" + v + "'");
    }
  }

  public double getDouble(String key, double fallback) {
    String v = values.get(key);
    if (v == null) return fallback;
    try {
      return Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new UserError("config key '" + key + "' must be a number, got '" + v + "'");
    }
  }

  public boolean getBoolean(String key, boolean fallback) {
    String v = values.get(key);
    if (v == null) return fallback;
    switch (v.trim().toLowerCase()) {
      case "true": case "yes": case "1": case "on": return true;
      case "false": case "no": case "0": case "off": return false;
      default: throw new UserError("config key '" + key + "' must be true or false, got '" + v + "'");
    }
  }

  /** Keys under {@code prefix.} with the prefix removed. */
  public Map<String, String> subset(String prefix) {
    TreeMap<String, String> out = new TreeMap<>();
    String p = prefix.endsWith(".") ? prefix : prefix + ".";
    values.forEach((k, v) -> { if (k.startsWith(p)) out.put(k.substring(p.length()), v); });
    return out;
  }

  public Map<String, String> asMap() {
    return values;
  }

  /** With {@code key} set to the list's items joined by commas; unchanged when the list is null or empty. */
  public Config withList(String key, java.util.List<String> items) {
    return items == null || items.isEmpty() ? this : with(key, String.join(",", items));
  }

  /** With {@code key} set when {@code value} is not null. */
  public Config withIfSet(String key, Object value) {
    return value == null ? this : with(key, String.valueOf(value));
  }

  /** With every entry of {@code more} set on top. */
  public Config withAll(Map<String, String> more) {
    if (more == null || more.isEmpty()) return this;
    TreeMap<String, String> copy = new TreeMap<>(values);
    copy.putAll(more);
    return new Config(copy);
  }

  /** A comma-separated key as a list (empty when absent). */
  public java.util.List<String> getList(String key) {
    String v = values.get(key);
    if (v == null || v.isBlank()) return java.util.List.of();
    java.util.List<String> out = new java.util.ArrayList<>();
    for (String s : v.split(",")) if (!s.isBlank()) out.add(s.strip());
    return out;
  }

  public Config with(String key, String value) {
    TreeMap<String, String> copy = new TreeMap<>(values);
    copy.put(key, value);
    return new Config(copy);
  }

  /**
   * SHA-256 of the keys under the given prefixes (all keys when none), recorded in table properties
   * so a table says which configuration produced it. Secrets never enter a config: they come from the
   * environment.
   */
  public String hash(String... prefixes) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      values.forEach((k, v) -> {
        boolean take = prefixes.length == 0;
        for (String p : prefixes) take |= k.equals(p) || k.startsWith(p + ".");
        if (take) md.update((k + "=" + v + "\n").getBytes(StandardCharsets.UTF_8));
      });
      return HexFormat.of().formatHex(md.digest()).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Keys only: values may hold credentials and must never reach a log. */
  @Override
  public String toString() {
    return "Config" + values.keySet();
  }
}
