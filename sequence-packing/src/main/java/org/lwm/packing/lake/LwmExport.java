package org.lwm.packing.lake;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.cli.UserError;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Reject;
import org.lwm.core.lake.Rejects;
import org.lwm.packing.format.ExampleFormatter;
import org.lwm.packing.format.FieldsSpec;
import org.lwm.packing.format.FormatException;
import org.lwm.packing.format.FormatOptions;
import org.lwm.packing.format.SourceRecord;
import org.lwm.packing.format.TextIds;

/**
 * {@code lwm pack export-lwm}: the lake's examples as the JSON lines LWM's own trainer reads, so the same lake can
 * feed its JAX trainer on TPUs: {@code text.jsonl} for the {@code json} dataset and {@code vision.jsonl} for
 * {@code json_vision}, both with {@code fields_from_example='fields'}. Each line is one source record: its text
 * fields as strings, vision fields as arrays of VQGAN codes (0…8191, frames of 256; LWM adds eof/eov), the spec in
 * {@code fields}, and {@code id}/{@code task} for tracing (LWM ignores keys its spec does not name). Books are
 * written as their text (LWM tokenizes itself). LWM reads a file in order without shuffling, so lines are in a
 * seeded random order.
 */
public final class LwmExport {
  public static final String JOB = "pack-export-lwm";

  private LwmExport() {}

  public static JobCounts run(SparkSession spark, Lake lake, String outputDir, long seed) {
    JobCounts counts = new JobCounts(JOB);
    JavaRDD<SourceRecord> records = ExampleSources.all(spark, lake, true);
    JavaRDD<SourceRecord> ordered = records.sortBy(r -> mix(seed ^ r.id().hashCode()) ^ r.id().length(), true,
        Math.max(1, records.getNumPartitions()));
    List<Reject> rejects = new ArrayList<>();
    long text = 0, vision = 0;
    JsonFactory json = new JsonFactory();
    try {
      FileSystem fs = FileSystem.get(URI.create(uri(outputDir)), spark.sparkContext().hadoopConfiguration());
      Path dir = new Path(uri(outputDir));
      fs.mkdirs(dir);
      try (Writer t = new OutputStreamWriter(fs.create(new Path(dir, "text.jsonl"), true), StandardCharsets.UTF_8);
           Writer v = new OutputStreamWriter(fs.create(new Path(dir, "vision.jsonl"), true), StandardCharsets.UTF_8)) {
        Iterator<SourceRecord> it = ordered.toLocalIterator();
        while (it.hasNext()) {
          SourceRecord r = it.next();
          if (r.fields() == null) {
            rejects.add(Reject.now(JOB, r.id(), "unformattable", r.task()));
            continue;
          }
          try {
            ExampleFormatter.check(r.values()::get, FieldsSpec.parse(r.fields(), true), FormatOptions.defaults());
          } catch (FormatException e) {
            rejects.add(Reject.now(JOB, r.id(), "unformattable", e.getMessage()));
            continue;
          }
          boolean isVision = r.values().values().stream().anyMatch(x -> x instanceof int[]);
          write(json, r, isVision ? v : t);
          if (isVision) vision++;
          else text++;
        }
      }
    } catch (IOException e) {
      throw new UserError("cannot write the LWM export to " + outputDir + ": " + e.getMessage());
    }
    Rejects.record(spark, lake, rejects);
    counts.put("text_records", text).put("vision_records", vision).put("rejected", rejects.size()).put("output", outputDir);
    return counts;
  }

  static void write(JsonFactory json, SourceRecord r, Writer out) throws IOException {
    try (JsonGenerator g = json.createGenerator(out)) {
      g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
      g.writeStartObject();
      g.writeStringField("id", r.id());
      g.writeStringField("task", r.task());
      g.writeStringField("fields", r.fields());
      for (Map.Entry<String, Object> e : r.values().entrySet()) {
        Object val = e.getValue();
        if (val instanceof String s) g.writeStringField(e.getKey(), s);
        else if (val instanceof int[] a) {
          g.writeFieldName(e.getKey());
          g.writeArray(a, 0, a.length);
        } else if (val instanceof TextIds) {
          throw new IllegalStateException("record " + r.id() + ": pre-tokenized text cannot be exported for LWM");
        }
      }
      g.writeEndObject();
    }
    out.write('\n');
  }

  /** SplitMix64's finaliser: a seeded, well-spread order key. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static String uri(String pathOrUri) {
    if (pathOrUri.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*")) return pathOrUri;
    return java.nio.file.Path.of(pathOrUri).toAbsolutePath().normalize().toUri().toString();
  }
}
