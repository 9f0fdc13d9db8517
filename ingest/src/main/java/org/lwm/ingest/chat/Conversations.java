package org.lwm.ingest.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Chat examples from one JSON object, in the formats general chat data comes in: UltraChat
 * ({@code {"id", "data": [user, assistant, user, …]}}), ShareGPT ({@code {"conversations": [{"from", "value"}]}})
 * and role/content messages ({@code {"messages": [{"role", "content"}]}}, UltraChat-200k's Parquet). Roles become
 * {@code system}, {@code user}, {@code assistant}. {@code example_id} is the SHA-256 of the turns, so the same
 * conversation from two files is one example.
 */
public final class Conversations {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> SHAREGPT_ROLES = Map.of(
      "human", "user", "user", "user", "gpt", "assistant", "assistant", "assistant", "chatgpt", "assistant",
      "bard", "assistant", "bing", "assistant", "model", "assistant", "system", "system");

  private Conversations() {}

  public record Turn(String role, String content) {}

  /** A parsed example or why not. */
  public record Parsed(String id, String format, List<Turn> turns, String reason, String detail) {
    public boolean ok() {
      return reason == null;
    }

    static Parsed fail(String reason, String detail) {
      return new Parsed(null, null, null, reason, detail);
    }
  }

  /** {@code format}: ultrachat, sharegpt, messages or auto (by the fields present). */
  public static Parsed parse(String json, String format) {
    JsonNode n;
    try {
      n = JSON.readTree(json);
    } catch (IOException e) {
      return Parsed.fail("invalid-json", firstLine(e.getMessage()));
    }
    if (n == null || !n.isObject()) return Parsed.fail("invalid-json", "not a JSON object");
    String f = format;
    if (f.equals("auto")) {
      f = n.has("data") ? "ultrachat" : n.has("conversations") ? "sharegpt" : n.has("messages") ? "messages" : null;
      if (f == null) return Parsed.fail("unknown-format", "no \"data\", \"conversations\" or \"messages\" field");
    }
    String id = n.hasNonNull("id") ? n.get("id").asText() : n.hasNonNull("prompt_id") ? n.get("prompt_id").asText() : null;
    List<Turn> turns = new ArrayList<>();
    switch (f) {
      case "ultrachat": {
        JsonNode data = n.get("data");
        if (data == null || !data.isArray()) return Parsed.fail("missing-turns", "no array field \"data\"");
        int i = 0;
        for (JsonNode t : data) {
          if (!t.isTextual()) return Parsed.fail("bad-turn", "data[" + i + "] is not a string");
          turns.add(new Turn(i % 2 == 0 ? "user" : "assistant", t.asText()));
          i++;
        }
        break;
      }
      case "sharegpt": {
        JsonNode conv = n.get("conversations");
        if (conv == null || !conv.isArray()) return Parsed.fail("missing-turns", "no array field \"conversations\"");
        int i = 0;
        for (JsonNode t : conv) {
          String from = t.path("from").asText(null);
          JsonNode value = t.get("value");
          String role = from == null ? null : SHAREGPT_ROLES.get(from.toLowerCase());
          if (role == null) return Parsed.fail("unknown-role", "conversations[" + i + "].from = " + from);
          if (value == null || !value.isTextual()) return Parsed.fail("bad-turn", "conversations[" + i + "].value is not a string");
          turns.add(new Turn(role, value.asText()));
          i++;
        }
        break;
      }
      case "messages": {
        JsonNode msgs = n.get("messages");
        if (msgs == null || !msgs.isArray()) return Parsed.fail("missing-turns", "no array field \"messages\"");
        int i = 0;
        for (JsonNode t : msgs) {
          String role = t.path("role").asText(null);
          String mapped = role == null ? null : SHAREGPT_ROLES.get(role.toLowerCase());
          JsonNode content = t.get("content");
          if (mapped == null) return Parsed.fail("unknown-role", "messages[" + i + "].role = " + role);
          if (content == null || !content.isTextual()) return Parsed.fail("bad-turn", "messages[" + i + "].content is not a string");
          turns.add(new Turn(mapped, content.asText()));
          i++;
        }
        break;
      }
      default:
        throw new IllegalArgumentException("chat format " + format);
    }
    if (turns.isEmpty()) return Parsed.fail("empty", "no turns");
    if (turns.stream().noneMatch(t -> t.role().equals("assistant"))) return Parsed.fail("no-assistant-turn", turns.size() + " turns, none by the assistant");
    return new Parsed(id, f, turns, null, null);
  }

  /** SHA-256 over the roles and contents, each length-prefixed so no two turn lists collide by concatenation. */
  public static String exampleId(List<Turn> turns) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (Turn t : turns) {
        for (String s : new String[] {t.role(), t.content()}) {
          byte[] b = s.getBytes(StandardCharsets.UTF_8);
          md.update((b.length + ":").getBytes(StandardCharsets.US_ASCII));
          md.update(b);
        }
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String firstLine(String s) {
    if (s == null) return "";
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
