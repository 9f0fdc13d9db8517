package org.lwm.packing.format;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.util.Map;
import org.lwm.core.cli.UserError;

/**
 * {@code lwm pack format}: source records (JSON lines) to formatted examples (JSON lines), in input order. Each
 * record carries its spec in {@code fields} unless one spec is given for all. A record that cannot be formatted
 * stops the run with its line number and the reason (a file is one input; fix it and re-run).
 */
public final class FormatFile {
  private FormatFile() {}

  /** Returns the number of examples written. */
  public static long run(ExampleFormatter formatter, String fieldsOverride, BufferedReader in, Writer out, String source)
      throws IOException {
    if (fieldsOverride != null) parse(fieldsOverride, false, source);
    long[] n = {0};
    ExampleJson.forEachLine(in, (line, no) -> {
      String where = source + " line " + no;
      JsonNode o = ExampleJson.parseObject(line, where);
      Map<String, Object> record = ExampleJson.record(o);
      boolean vision = isVisionRecord(record);
      String text = fieldsOverride != null ? fieldsOverride : spec(o.get("fields"), vision, no - 1, where);
      FieldsSpec spec = parse(text, vision, where);
      JsonNode id = o.get("id");
      try {
        FormattedExample e = formatter.format(id == null || !id.isValueNode() ? null : id.asText(), null, record::get, spec);
        ExampleJson.write(e, out);
      } catch (FormatException e) {
        throw new UserError(where + ": " + e.getMessage());
      }
      n[0]++;
    });
    return n[0];
  }

  /**
   * The record's spec: a string, or for a vision record a list of specs of which LWM's VisionTextProcessor picks
   * one with Python's {@code random.Random(line index).choice} (index from 0, every line counted).
   */
  static String spec(JsonNode f, boolean vision, long lineIndex, String where) {
    if (f != null && f.isTextual()) return f.textValue();
    if (f != null && f.isArray() && f.size() > 0) {
      if (!vision) throw new UserError(where + ": 'fields' is a list, which only vision records may have (LWM's TextProcessor takes one spec)");
      for (JsonNode e : f) if (!e.isTextual()) throw new UserError(where + ": 'fields' lists something other than spec strings");
      return f.get(new PythonRandom(lineIndex).choiceIndex(f.size())).textValue();
    }
    throw new UserError(where + ": no 'fields' spec string (e.g. \"[question],answer\"): add one or pass --fields");
  }

  /**
   * LWM formats a record with its VisionTextProcessor when it comes from a json_vision dataset; a file here mixes
   * both, so a record with a key containing "vision" is a vision record and any other goes through TextProcessor.
   */
  static boolean isVisionRecord(Map<String, Object> record) {
    for (String k : record.keySet()) if (k.contains("vision")) return true;
    return false;
  }

  private static FieldsSpec parse(String spec, boolean vision, String where) {
    try {
      return FieldsSpec.parse(spec, vision);
    } catch (FormatException e) {
      throw new UserError(where + ": " + e.getMessage());
    }
  }
}
