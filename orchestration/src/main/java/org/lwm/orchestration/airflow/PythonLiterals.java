package org.lwm.orchestration.airflow;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Python source for values: string literals escaped as {@code repr} would (ASCII only, so no character of a value
 * can end a line or a literal early), lists and dicts of them, and identifiers made from task ids.
 */
final class PythonLiterals {
  private static final Set<String> RESERVED = Set.of(
      // keywords and soft keywords
      "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif",
      "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or",
      "pass", "raise", "return", "try", "while", "with", "yield", "match", "case", "type",
      // the names the rendered file itself uses
      "DAG", "SparkSubmitOperator", "pendulum", "timedelta", "dag");

  private PythonLiterals() {}

  static String str(String s) {
    StringBuilder sb = new StringBuilder("'");
    s.codePoints().forEach(c -> {
      switch (c) {
        case '\\' -> sb.append("\\\\");
        case '\'' -> sb.append("\\'");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c >= 0x20 && c < 0x7f) sb.append((char) c);
          else if (c < 0x100) sb.append(String.format("\\x%02x", c));
          else if (c < 0x10000) sb.append(String.format("\\u%04x", c));
          else sb.append(String.format("\\U%08x", c));
        }
      }
    });
    return sb.append('\'').toString();
  }

  static String list(List<String> items) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < items.size(); i++) sb.append(i == 0 ? "" : ", ").append(str(items.get(i)));
    return sb.append(']').toString();
  }

  static String dict(Map<String, ?> m) {
    StringBuilder sb = new StringBuilder("{");
    m.forEach((k, v) -> sb.append(sb.length() == 1 ? "" : ", ").append(str(k)).append(": ")
        .append(v instanceof String s ? str(s) : String.valueOf(v)));
    return sb.append('}').toString();
  }

  /** {@link #dict}, one entry a line at {@code indent} (then closed at the indent before it) when it would be long. */
  static String dict(Map<String, ?> m, String indent) {
    String one = dict(m);
    if (one.length() <= 100) return one;
    StringBuilder sb = new StringBuilder("{\n");
    m.forEach((k, v) -> sb.append(indent).append(str(k)).append(": ").append(v instanceof String s ? str(s) : String.valueOf(v)).append(",\n"));
    return sb.append(indent, 0, indent.length() - 4).append('}').toString();
  }

  /** A Python variable for a task id ({@code pack-2k} -> {@code pack_2k}), distinct from {@code taken}. */
  static String identifier(String id, Set<String> taken) {
    String base = id.replaceAll("[^A-Za-z0-9_]", "_");
    if (Character.isDigit(base.charAt(0)) || RESERVED.contains(base)) base = "task_" + base;
    String name = base;
    for (int n = 2; taken.contains(name); n++) name = base + "_" + n;
    taken.add(name);
    return name;
  }
}
