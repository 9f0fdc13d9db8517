package org.lwm.qa.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Serializable;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Checks a model's reply: one JSON object {@code {"question", "answer"}} (a Markdown code fence or words around it
 * are tolerated), both non-empty strings within the length limits, and the answer grounded in the chunk: at least
 * {@code minGrounding} of the answer's words (3+ letters or digits, case-folded) occur in the chunk, or, for an
 * answer without such words (a number), the answer occurs in the chunk as written.
 */
public final class QaValidator implements Serializable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final int maxQuestionChars;
  private final int maxAnswerChars;
  private final double minGrounding;

  public QaValidator(int maxQuestionChars, int maxAnswerChars, double minGrounding) {
    this.maxQuestionChars = maxQuestionChars;
    this.maxAnswerChars = maxAnswerChars;
    this.minGrounding = minGrounding;
  }

  /** A valid pair, or the reason it is not (as a failed result with 0 attempts; the caller sets the count). */
  public QaResult check(String reply, String chunk) {
    if (reply == null || reply.isBlank()) return QaResult.failed("empty reply", 0);
    int open = reply.indexOf('{');
    int close = reply.lastIndexOf('}');
    if (open < 0 || close < open) return QaResult.failed("reply holds no JSON object: " + snippet(reply), 0);
    JsonNode node;
    try {
      node = JSON.readTree(reply.substring(open, close + 1));
    } catch (java.io.IOException e) {
      return QaResult.failed("reply is not valid JSON: " + snippet(reply), 0);
    }
    String question = text(node, "question");
    String answer = text(node, "answer");
    if (question == null) return QaResult.failed("reply has no \"question\" string: " + snippet(reply), 0);
    if (answer == null) return QaResult.failed("reply has no \"answer\" string: " + snippet(reply), 0);
    if (question.isEmpty()) return QaResult.failed("empty question", 0);
    if (answer.isEmpty()) return QaResult.failed("empty answer", 0);
    if (question.length() > maxQuestionChars) return QaResult.failed("question of " + question.length() + " chars exceeds " + maxQuestionChars, 0);
    if (answer.length() > maxAnswerChars) return QaResult.failed("answer of " + answer.length() + " chars exceeds " + maxAnswerChars, 0);
    double grounding = grounding(answer, chunk);
    if (grounding < minGrounding) {
      return QaResult.failed(String.format(Locale.ROOT, "answer not grounded in the chunk: %.2f of its words occur there (need %.2f)", grounding, minGrounding), 0);
    }
    return QaResult.ok(question, answer, 0);
  }

  /** Share of the answer's words found in the chunk (1 or 0 for an answer without words: found as written or not). */
  public static double grounding(String answer, String chunk) {
    Set<String> answerWords = words(answer);
    if (answerWords.isEmpty()) return chunk.toLowerCase(Locale.ROOT).contains(answer.toLowerCase(Locale.ROOT).strip()) ? 1 : 0;
    Set<String> chunkWords = words(chunk);
    int found = 0;
    for (String w : answerWords) if (chunkWords.contains(w)) found++;
    return (double) found / answerWords.size();
  }

  static Set<String> words(String s) {
    Set<String> out = new HashSet<>();
    for (String w : s.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) if (w.length() >= 3) out.add(w);
    return out;
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v != null && v.isTextual() ? v.asText().strip() : null;
  }

  static String snippet(String s) {
    String one = s.replaceAll("\\s+", " ").strip();
    return one.length() <= 120 ? one : one.substring(0, 117) + "...";
  }

  @Override
  public String toString() {
    return "max_question_chars=" + maxQuestionChars + ",max_answer_chars=" + maxAnswerChars + ",min_grounding=" + minGrounding;
  }
}
