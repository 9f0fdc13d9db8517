package org.lwm.core.records;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.lwm.core.tokenizer.SentencePieceTokenizer;

/**
 * LWM's chat template, {@code You are a helpful assistant. USER: {question} ASSISTANT: {answer}}, as an LWM
 * fields spec ready for the formatter: the one template of the project (qa-synthesis writes it into
 * {@code long_qa}/{@code chat_mix}, sequence-packing formats {@code chat} with it). Prompts are {@code [p0]},
 * {@code [p1]}… (loss 0), answers {@code a0}, {@code a1}… (loss 1), spec {@code [p0],a0,[p1],a1,…}. Exact text:
 * <pre>
 *   p0 = system + " USER: " + user₀ + " ASSISTANT:"     (system: "You are a helpful assistant." unless the chat has one;
 *                                                      long QA: user₀ = context + "\n\n" + question₀)
 *   a0 = answer₀
 *   pᵢ = "USER: " + userᵢ + " ASSISTANT:"                (i ≥ 1)
 *   aᵢ = answerᵢ
 * </pre>
 * No part starts or ends with a space: the formatter encodes each field separately without BOS/EOS, and
 * SentencePiece's dummy prefix puts a {@code ▁} before every field, which is the space between "ASSISTANT:" and
 * the answer and between an answer and the next "USER:". So the token sequence reads as the template's text.
 * {@code n_tokens} = Σ tokens of the parts + 1 (BOS, prepended by the packer) + 1 (EOS, appended).
 */
public final class ChatTemplate {
  public static final String DEFAULT_SYSTEM = "You are a helpful assistant.";

  /** A formatted example: the fields spec and the text of each field, in spec order. */
  public record Formatted(String fields, Map<String, String> parts) {
    /** Token count the formatter will produce: the parts encoded one by one, plus BOS and EOS. */
    public int nTokens(SentencePieceTokenizer.Encoder encoder) {
      int n = 2;
      for (String p : parts.values()) n += tokens(encoder, p);
      return n;
    }

    /** Loss tokens: the answers' tokens plus EOS (which has loss 1). */
    public int lossTokens(SentencePieceTokenizer.Encoder encoder) {
      int n = 1;
      for (Map.Entry<String, String> e : parts.entrySet()) if (e.getKey().startsWith("a")) n += tokens(encoder, e.getValue());
      return n;
    }
  }

  /** A turn whose role is none of the known ones: the caller rejects the conversation with this message. */
  public static final class UnknownRole extends IllegalArgumentException {
    UnknownRole(String message) {
      super(message);
    }
  }

  private ChatTemplate() {}

  /** One prompt/answer field pair per turn; {@code users} and {@code answers} have the same length, at least 1. */
  public static Formatted format(String system, List<String> users, List<String> answers) {
    if (users.isEmpty() || users.size() != answers.size()) throw new IllegalArgumentException(users.size() + " prompts for " + answers.size() + " answers");
    Map<String, String> parts = new LinkedHashMap<>();
    StringBuilder fields = new StringBuilder();
    for (int i = 0; i < users.size(); i++) {
      String head = i == 0 ? (system == null ? DEFAULT_SYSTEM : system) + " USER: " : "USER: ";
      parts.put("p" + i, head + users.get(i) + " ASSISTANT:");
      parts.put("a" + i, answers.get(i));
      if (i > 0) fields.append(',');
      fields.append("[p").append(i).append("],a").append(i);
    }
    return new Formatted(fields.toString(), parts);
  }

  /** Long QA: the context goes before the first question, separated by a blank line. */
  public static Formatted longQa(String context, List<String> questions, List<String> answers) {
    List<String> users = new ArrayList<>(questions);
    users.set(0, context + "\n\n" + questions.get(0));
    return format(null, users, answers);
  }

  /**
   * A chat conversation. Roles: {@code user}/{@code human}, {@code assistant}/{@code gpt}/{@code bot}/{@code model},
   * {@code system} (any case); another role is an {@link UnknownRole}. The rule loses no text: a leading system turn
   * replaces the default system sentence (a later one is joined into the next prompt), consecutive turns of one side
   * are joined by a newline, an answer with no question before it gets an empty prompt. Only a trailing question
   * without an answer is left out (nothing would learn from it). Contents are stripped (the template puts the
   * spaces). Null when no assistant turn is left.
   */
  public static Formatted chat(List<String> roles, List<String> contents) {
    String system = null;
    List<String> users = new ArrayList<>();
    List<String> answers = new ArrayList<>();
    StringBuilder pending = null;
    for (int i = 0; i < roles.size(); i++) {
      char side = side(roles.get(i), i);
      String content = contents.get(i) == null ? "" : contents.get(i).strip();
      if (side == 's' && i == 0) {
        system = content;
      } else if (side == 'a') {
        if (pending == null && !answers.isEmpty()) {
          answers.set(answers.size() - 1, answers.get(answers.size() - 1) + "\n" + content);
        } else {
          users.add(pending == null ? "" : pending.toString());
          answers.add(content);
          pending = null;
        }
      } else {
        pending = pending == null ? new StringBuilder(content) : pending.append('\n').append(content);
      }
    }
    return answers.isEmpty() ? null : format(system, users, answers);
  }

  /** 'u', 'a' or 's'. */
  private static char side(String role, int i) {
    String r = role == null ? "" : role.strip().toLowerCase(Locale.ROOT);
    return switch (r) {
      case "user", "human" -> 'u';
      case "assistant", "gpt", "bot", "model" -> 'a';
      case "system" -> 's';
      default -> throw new UnknownRole("turn " + i + " has role '" + role + "' (expected user/human, assistant/gpt/bot/model or system)");
    };
  }

  /** Tokens of {@code text} encoded alone, as the formatter encodes a field. */
  public static int tokens(SentencePieceTokenizer.Encoder encoder, String text) {
    encoder.encodeToBuffer(text.toCharArray(), 0, text.length());
    return encoder.length();
  }
}
