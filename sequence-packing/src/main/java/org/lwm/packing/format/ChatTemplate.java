package org.lwm.packing.format;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A conversation as an LWM chat example with the template of LWM's chat models,
 * {@code You are a helpful assistant. USER: {question} ASSISTANT: {answer}}: fields
 * {@code [system+q0],a0,[q1],a1,…} where {@code qi} is {@code USER: … ASSISTANT:} and {@code ai} the answer, so only
 * answers carry loss. A leading system turn replaces the default system text; a trailing user turn without an answer
 * is left out.
 */
public final class ChatTemplate {
  public static final String SYSTEM = "You are a helpful assistant.";

  private ChatTemplate() {}

  /** One turn: a role (user/human, assistant/gpt/bot, system) and its text. */
  public record Turn(String role, String content) {}

  public static SourceRecord record(String id, String task, List<Turn> turns) {
    Map<String, Object> values = new LinkedHashMap<>();
    String system = SYSTEM;
    int i = 0;
    if (!turns.isEmpty() && role(turns.get(0), id, 0) == 's') {
      system = turns.get(0).content();
      i = 1;
    }
    values.put("system", system);
    StringBuilder spec = new StringBuilder();
    int pair = 0;
    for (; i + 1 < turns.size(); i += 2) {
      if (role(turns.get(i), id, i) != 'u' || role(turns.get(i + 1), id, i + 1) != 'a') {
        throw new FormatException("chat " + id + ": turn " + i + " is '" + turns.get(i).role() + "' then '" + turns.get(i + 1).role()
            + "'; turns must alternate user, assistant");
      }
      values.put("q" + pair, "USER: " + turns.get(i).content() + " ASSISTANT:");
      values.put("a" + pair, turns.get(i + 1).content());
      if (pair > 0) spec.append(',');
      spec.append(pair == 0 ? "[system+q0]" : "[q" + pair + "]").append(",a").append(pair);
      pair++;
    }
    if (pair == 0) throw new FormatException("chat " + id + ": no user turn followed by an assistant answer");
    return new SourceRecord(id, task, spec.toString(), values);
  }

  /** 'u', 'a' or 's'. */
  private static char role(Turn t, String id, int i) {
    String r = t.role() == null ? "" : t.role().toLowerCase(java.util.Locale.ROOT);
    return switch (r) {
      case "user", "human" -> 'u';
      case "assistant", "gpt", "bot", "model" -> 'a';
      case "system" -> 's';
      default -> throw new FormatException("chat " + id + ": turn " + i + " has role '" + t.role() + "' (expected user, assistant or system)");
    };
  }
}
