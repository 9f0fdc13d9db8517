package org.lwm.ingest.video;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.cli.UserError;
import org.lwm.ingest.source.HadoopFiles;
import org.lwm.ingest.source.Streams;

/**
 * A captions/QA sidecar keyed by video file name (the name without folders), as JSON lines
 * ({@code {"file": "clip.mp4", "caption": "…", "qa": [{"question": "…", "answer": "…"}]}}; {@code video} or
 * {@code name} for the key, {@code captions} as a string or list) or CSV with a header ({@code file,caption}
 * and optionally {@code question,answer}; several rows for one file add QA pairs).
 */
public final class Captions {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Captions() {}

  /** One QA pair about a video. */
  public record QA(String question, String answer) {}

  /** What the sidecar says about one file. */
  public static final class Entry {
    public String caption;
    public final List<QA> qa = new ArrayList<>();
    public final String where;

    Entry(String where) {
      this.where = where;
    }
  }

  public static Map<String, Entry> read(SparkSession spark, HadoopFiles fs, String uri) {
    String name = uri.toLowerCase();
    if (name.endsWith(".csv")) return readCsv(spark, uri);
    if (name.endsWith(".jsonl") || name.endsWith(".json") || name.endsWith(".jsonl.gz") || name.endsWith(".jsonl.zst")) return readJsonLines(fs, uri);
    throw new UserError("captions file " + uri + " is neither JSON lines (.jsonl) nor CSV (.csv)");
  }

  private static Map<String, Entry> readJsonLines(HadoopFiles fs, String uri) {
    Map<String, Entry> out = new LinkedHashMap<>();
    try (InputStream in = Streams.decompressed(uri, fs.open(uri))) {
      Streams.BoundedLines lines = new Streams.BoundedLines(in, 16L << 20);
      byte[] line;
      while ((line = lines.next()) != null) {
        if (line == Streams.BoundedLines.TOO_LONG) throw new UserError("captions file " + uri + " line " + lines.lineNumber() + " is longer than 16 MiB");
        String s = new String(line, java.nio.charset.StandardCharsets.UTF_8);
        if (s.isBlank()) continue;
        JsonNode n;
        try {
          n = JSON.readTree(s);
        } catch (IOException e) {
          throw new UserError("captions file " + uri + " line " + lines.lineNumber() + " is not JSON: " + Streams.oneLine(e));
        }
        String file = text(n, "file", "video", "name");
        if (file == null) throw new UserError("captions file " + uri + " line " + lines.lineNumber() + " names no video: add \"file\": \"<name>\"");
        Entry e = out.computeIfAbsent(baseName(file), k -> new Entry(uri + "#L" + lines.lineNumber()));
        JsonNode cap = n.has("caption") ? n.get("caption") : n.get("captions");
        if (cap != null && cap.isTextual()) e.caption = cap.asText();
        else if (cap != null && cap.isArray()) {
          List<String> parts = new ArrayList<>();
          cap.forEach(c -> parts.add(c.asText()));
          e.caption = String.join("\n", parts);
        }
        JsonNode qa = n.get("qa");
        if (qa != null && qa.isArray()) {
          for (JsonNode p : qa) e.qa.add(new QA(text(p, "question", "q"), text(p, "answer", "a")));
        }
      }
    } catch (IOException e) {
      throw new UserError("captions file " + uri + " cannot be read: " + Streams.oneLine(e));
    }
    return out;
  }

  private static Map<String, Entry> readCsv(SparkSession spark, String uri) {
    List<Row> rows = spark.read().option("header", "true").option("multiLine", "true").option("escape", "\"").csv(uri).collectAsList();
    Map<String, Entry> out = new LinkedHashMap<>();
    int line = 1;
    for (Row r : rows) {
      line++;
      List<String> cols = List.of(r.schema().fieldNames());
      String key = cols.contains("file") ? "file" : cols.contains("video") ? "video" : null;
      if (key == null) throw new UserError("captions file " + uri + " has no 'file' column (columns: " + String.join(", ", cols) + ")");
      String file = r.getAs(key);
      if (file == null) continue;
      Entry e = out.computeIfAbsent(baseName(file), k -> new Entry(uri));
      if (cols.contains("caption") && r.getAs("caption") != null) e.caption = r.getAs("caption");
      if (cols.contains("question") && r.getAs("question") != null) {
        e.qa.add(new QA(r.getAs("question"), cols.contains("answer") ? r.getAs("answer") : null));
      }
    }
    return out;
  }

  static String baseName(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  private static String text(JsonNode n, String... keys) {
    for (String k : keys) {
      JsonNode v = n.get(k);
      if (v != null && v.isValueNode()) return v.asText();
    }
    return null;
  }
}
