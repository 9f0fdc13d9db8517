package org.lwm.packing.format;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.lwm.core.cli.UserError;

/**
 * JSON lines in and out of the formatter and the packer. A source record (what LWM's json / json_vision datasets
 * read) is an object whose string values are text fields, integer arrays are vision codes, and {@code fields} the
 * spec. A formatted example is {@code {"id"?, "tokens", "loss_mask", "vision_mask"}}.
 */
public final class ExampleJson {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonFactory FACTORY = new JsonFactory();

  private ExampleJson() {}

  public static JsonNode parseObject(String line, String where) {
    JsonNode o;
    try {
      o = JSON.readTree(line);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new UserError(where + ": not valid JSON (" + e.getOriginalMessage() + ")");
    }
    if (o == null || !o.isObject()) throw new UserError(where + ": expected a JSON object per line");
    return o;
  }

  /** The record's fields: strings stay text, arrays of integers become codes; anything else is kept as the node. */
  public static Map<String, Object> record(JsonNode o) {
    Map<String, Object> m = new LinkedHashMap<>();
    o.fields().forEachRemaining(e -> m.put(e.getKey(), value(e.getValue())));
    return m;
  }

  private static Object value(JsonNode v) {
    if (v.isTextual()) return v.textValue();
    if (v.isArray()) {
      int[] a = new int[v.size()];
      for (int i = 0; i < a.length; i++) {
        JsonNode e = v.get(i);
        if (!e.isIntegralNumber() || !e.canConvertToInt()) return v;
        a[i] = e.intValue();
      }
      return a;
    }
    return v;
  }

  /** Writes one formatted example; {@code id} is written only when the example has one. */
  public static void write(FormattedExample e, Writer out) throws IOException {
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
      g.writeStartObject();
      if (e.id() != null) g.writeStringField("id", e.id());
      if (e.task() != null) g.writeStringField("task", e.task());
      g.writeFieldName("tokens");
      g.writeArray(e.tokens(), 0, e.length());
      g.writeArrayFieldStart("loss_mask");
      for (float f : e.lossMask()) g.writeNumber(f);
      g.writeEndArray();
      g.writeArrayFieldStart("vision_mask");
      for (boolean b : e.visionMask()) g.writeBoolean(b);
      g.writeEndArray();
      g.writeEndObject();
    }
    out.write('\n');
  }

  /** Reads a formatted example; {@code id} defaults to the line number, loss mask to 1 after the first token, vision mask to text. */
  public static FormattedExample readFormatted(String line, String where, long lineNo) {
    JsonNode o = parseObject(line, where);
    JsonNode t = o.get("tokens");
    if (t == null || !t.isArray()) throw new UserError(where + ": missing 'tokens' (an array of token ids)");
    int n = t.size();
    int[] tokens = new int[n];
    for (int i = 0; i < n; i++) {
      if (!t.get(i).isIntegralNumber()) throw new UserError(where + ": 'tokens'[" + i + "] is not an integer");
      tokens[i] = t.get(i).intValue();
    }
    float[] loss = new float[n];
    JsonNode l = o.get("loss_mask");
    if (l == null) {
      for (int i = 1; i < n; i++) loss[i] = 1f;
    } else {
      if (!l.isArray() || l.size() != n) throw new UserError(where + ": 'loss_mask' must be an array of " + n + " numbers, like 'tokens'");
      for (int i = 0; i < n; i++) {
        if (!l.get(i).isNumber()) throw new UserError(where + ": 'loss_mask'[" + i + "] is not a number");
        loss[i] = l.get(i).floatValue();
        if (loss[i] < 0 || !Float.isFinite(loss[i])) throw new UserError(where + ": 'loss_mask'[" + i + "] is " + loss[i] + ": use 0 or 1");
      }
    }
    boolean[] vision = new boolean[n];
    JsonNode v = o.get("vision_mask");
    if (v != null) {
      if (!v.isArray() || v.size() != n) throw new UserError(where + ": 'vision_mask' must be an array of " + n + " booleans, like 'tokens'");
      for (int i = 0; i < n; i++) vision[i] = v.get(i).asBoolean();
    }
    JsonNode id = o.get("id");
    JsonNode task = o.get("task");
    return new FormattedExample(id == null || id.isNull() ? String.valueOf(lineNo) : id.asText(),
        task == null || task.isNull() ? null : task.asText(), tokens, loss, vision);
  }

  /** Lines of a reader, numbered from 1, blank lines skipped. */
  public interface LineHandler {
    void accept(String line, int lineNo) throws IOException;
  }

  public static void forEachLine(BufferedReader in, LineHandler h) throws IOException {
    String line;
    int no = 0;
    while ((line = in.readLine()) != null) {
      no++;
      if (!line.isBlank()) h.accept(line, no);
    }
  }
}
