package org.lwm.core.records;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import org.lwm.core.cli.UserError;

/**
 * Packed rows as JSON lines, one object per row with the DESIGN §6 column names ({@code seq_id},
 * {@code input_ids}, {@code target_ids}, {@code loss_weight}, {@code input_vision}, {@code target_vision},
 * {@code segment_ids}, {@code position_ids}, {@code example_ids}): what {@code lwm pack sequences} writes and
 * {@code lwm model forward|loss-grad} read. On reading, only {@code input_ids} is required: missing
 * {@code target_ids} default to the inputs shifted left by one (last target weight 0), missing segments to
 * one segment, positions to 0…L−1, vision flags to text, weights to 1/m over the m targets.
 */
public final class PackedRowJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private PackedRowJson() {}

  public static void write(PackedRow r, Writer out) throws IOException {
    try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
      g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
      g.writeStartObject();
      g.writeNumberField("seq_id", r.seqId());
      g.writeFieldName("input_ids");
      g.writeArray(r.inputIds(), 0, r.length());
      g.writeFieldName("target_ids");
      g.writeArray(r.targetIds(), 0, r.length());
      g.writeArrayFieldStart("loss_weight");
      for (float w : r.lossWeight()) g.writeNumber(w);
      g.writeEndArray();
      writeBooleans(g, "input_vision", r.inputVision());
      writeBooleans(g, "target_vision", r.targetVision());
      g.writeFieldName("segment_ids");
      g.writeArray(r.segmentIds(), 0, r.length());
      g.writeFieldName("position_ids");
      g.writeArray(r.positionIds(), 0, r.length());
      g.writeArrayFieldStart("example_ids");
      for (String id : r.exampleIds()) g.writeString(id);
      g.writeEndArray();
      g.writeEndObject();
    }
    out.write('\n');
  }

  private static void writeBooleans(JsonGenerator g, String name, boolean[] v) throws IOException {
    g.writeArrayFieldStart(name);
    for (boolean b : v) g.writeBoolean(b);
    g.writeEndArray();
  }

  /** Reads every row; {@code source} names the input in errors ("rows.jsonl line 3: ..."). */
  public static List<PackedRow> readAll(BufferedReader in, String source) throws IOException {
    List<PackedRow> rows = new ArrayList<>();
    String line;
    int lineNo = 0;
    while ((line = in.readLine()) != null) {
      lineNo++;
      if (line.isBlank()) continue;
      rows.add(parse(line, source + " line " + lineNo, rows.size()));
    }
    return rows;
  }

  /** One row from one JSON object; {@code defaultSeqId} is used when {@code seq_id} is absent. */
  public static PackedRow parse(String line, String where, long defaultSeqId) {
    JsonNode o;
    try {
      o = JSON.readTree(line);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new UserError(where + ": not valid JSON (" + e.getOriginalMessage() + ")");
    }
    if (o == null || !o.isObject()) throw new UserError(where + ": expected a JSON object per line");
    int[] input = ints(o, "input_ids", where, -1);
    if (input == null) throw new UserError(where + ": missing 'input_ids'");
    int n = input.length;
    int[] target = ints(o, "target_ids", where, n);
    float[] weight = floats(o, "loss_weight", where, n);
    if (target == null) {
      target = new int[n];
      for (int i = 0; i + 1 < n; i++) target[i] = input[i + 1];
      if (weight == null && n > 0) {
        weight = new float[n];
        for (int i = 0; i + 1 < n; i++) weight[i] = 1f / (n - 1);
      }
    }
    if (weight == null) {
      weight = new float[n];
      java.util.Arrays.fill(weight, n == 0 ? 0f : 1f / n);
    }
    int[] seg = ints(o, "segment_ids", where, n);
    if (seg == null) {
      seg = new int[n];
      java.util.Arrays.fill(seg, 1);
    }
    int[] pos = ints(o, "position_ids", where, n);
    if (pos == null) {
      pos = new int[n];
      for (int i = 0; i < n; i++) pos[i] = i;
    }
    boolean[] inVision = booleans(o, "input_vision", where, n);
    boolean[] tgtVision = booleans(o, "target_vision", where, n);
    JsonNode ids = o.get("example_ids");
    String[] exampleIds = new String[ids == null || !ids.isArray() ? 0 : ids.size()];
    for (int i = 0; i < exampleIds.length; i++) exampleIds[i] = ids.get(i).asText();
    long seqId = o.has("seq_id") ? o.get("seq_id").asLong() : defaultSeqId;
    return new PackedRow(seqId, input, target, weight, inVision == null ? new boolean[n] : inVision,
        tgtVision == null ? new boolean[n] : tgtVision, seg, pos, exampleIds);
  }

  private static JsonNode array(JsonNode o, String name, String where, int n) {
    JsonNode a = o.get(name);
    if (a == null || a.isNull()) return null;
    if (!a.isArray()) throw new UserError(where + ": '" + name + "' must be an array");
    if (n >= 0 && a.size() != n) {
      throw new UserError(where + ": '" + name + "' has " + a.size() + " entries, input_ids has " + n);
    }
    return a;
  }

  private static int[] ints(JsonNode o, String name, String where, int n) {
    JsonNode a = array(o, name, where, n);
    if (a == null) return null;
    int[] v = new int[a.size()];
    for (int i = 0; i < v.length; i++) {
      JsonNode e = a.get(i);
      if (!e.canConvertToInt() || !e.isIntegralNumber()) throw new UserError(where + ": '" + name + "'[" + i + "] is not an integer");
      v[i] = e.intValue();
    }
    return v;
  }

  private static float[] floats(JsonNode o, String name, String where, int n) {
    JsonNode a = array(o, name, where, n);
    if (a == null) return null;
    float[] v = new float[a.size()];
    for (int i = 0; i < v.length; i++) {
      JsonNode e = a.get(i);
      if (!e.isNumber()) throw new UserError(where + ": '" + name + "'[" + i + "] is not a number");
      v[i] = e.floatValue();
    }
    return v;
  }

  private static boolean[] booleans(JsonNode o, String name, String where, int n) {
    JsonNode a = array(o, name, where, n);
    if (a == null) return null;
    boolean[] v = new boolean[a.size()];
    for (int i = 0; i < v.length; i++) v[i] = a.get(i).asBoolean();
    return v;
  }
}
