package org.lwm.packing.format;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * An LWM fields spec ({@code [vision],caption}, {@code [p0],a0,[p1],a1}, {@code <|bos|>,text}) parsed the way
 * lwm/data.py reads it: fields split on every comma (empty names kept, so they fail as missing keys), a field
 * wrapped in {@code [...]} has loss 0, {@code <|bos|>}/{@code <|eos|>} are the special tokens, a field whose name
 * contains {@code vision} is a vision field looked up under its whole name, and any other field is text whose
 * {@code +}-joined subfields are concatenated with the separator before encoding.
 */
public record FieldsSpec(String text, List<Field> fields) implements Serializable {

  public enum Kind { BOS, EOS, VISION, TEXT }

  /** One field: its name (without brackets), its loss, its kind, and for text its subfield keys. */
  public record Field(String name, float loss, Kind kind, List<String> subfields) implements Serializable {}

  /**
   * Parses a spec. {@code visionFields} is true for LWM's VisionTextProcessor (names containing "vision" are
   * vision spans) and false for its TextProcessor (every non-special field is text).
   */
  public static FieldsSpec parse(String spec, boolean visionFields) {
    if (spec == null || spec.isEmpty()) throw new FormatException("the fields spec is empty: give e.g. 'text' or '[question],answer'");
    List<Field> out = new ArrayList<>();
    for (String raw : spec.split(",", -1)) {
      String name = raw;
      float loss = 1f;
      if (name.startsWith("[") && name.endsWith("]") && name.length() >= 2) {
        name = name.substring(1, name.length() - 1);
        loss = 0f;
      }
      Kind kind;
      if (name.equals("<|bos|>")) kind = Kind.BOS;
      else if (name.equals("<|eos|>")) kind = Kind.EOS;
      else if (visionFields && name.contains("vision")) kind = Kind.VISION;
      else kind = Kind.TEXT;
      List<String> subs = kind == Kind.TEXT ? List.of(name.split("\\+", -1)) : List.of();
      out.add(new Field(name, loss, kind, subs));
    }
    return new FieldsSpec(spec, List.copyOf(out));
  }
}
