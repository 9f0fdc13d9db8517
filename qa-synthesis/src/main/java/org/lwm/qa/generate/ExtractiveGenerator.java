package org.lwm.qa.generate;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.lwm.qa.QaTables;

/**
 * The offline generator: deterministic, no model. A heuristic, not a language model: it picks one sentence of
 * the chunk (by a hash of book, chunk and seed) that holds a number or a capitalised name past its first word,
 * blanks that word out and asks for it; the answer is the word followed by the sentence as the chunk has it ({@code Adam, as in: "..."}), so
 * every answer is a span of the chunk. A chunk without such a sentence gets a "how does it continue" question on
 * its longest sentence; a chunk without a sentence of four words fails. Good enough to exercise the pipeline
 * (turns, templates, lengths, masks) end to end; the questions are easy and formulaic.
 */
public final class ExtractiveGenerator implements QaGenerator {
  public static final String NAME = "extractive";
  private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?;:])\\s+");
  private static final Pattern WORD_EDGE = Pattern.compile("^[^\\p{L}\\p{N}]+|[^\\p{L}\\p{N}]+$");
  private static final Set<String> NUMBER_WORDS = Set.of("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
      "eleven", "twelve", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "thousand");
  private static final Set<String> NOT_NAMES = Set.of("I", "O", "And", "But", "For", "The", "Then", "Thou", "Ye", "He", "She", "It", "They", "We");

  private final long seed;
  private final int chunkTokens;

  public ExtractiveGenerator(long seed, int chunkTokens) {
    this.seed = seed;
    this.chunkTokens = chunkTokens;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String model() {
    return null;
  }

  @Override
  public String promptHash() {
    return QaTables.sha256(16, "extractive-v1", String.valueOf(seed), String.valueOf(chunkTokens));
  }

  @Override
  public QaResult generate(String bookId, int chunkIndex, String chunkText) {
    List<String> sentences = sentences(chunkText);
    // the first and last pieces of a chunk are usually cut mid-sentence by the 1000-token boundary
    List<String> whole = sentences.size() >= 3 ? sentences.subList(1, sentences.size() - 1) : sentences;
    List<String[]> candidates = new ArrayList<>(); // {sentence, span, kind}
    for (String s : whole) {
      String[] words = s.split(" ");
      if (words.length < 6 || words.length > 60) continue;
      String number = null;
      List<String> names = new ArrayList<>();
      for (int i = 1; i < words.length; i++) {
        String w = WORD_EDGE.matcher(words[i]).replaceAll("");
        if (w.isEmpty()) continue;
        if (number == null && (w.chars().allMatch(Character::isDigit) || NUMBER_WORDS.contains(w.toLowerCase()))) number = w;
        if (Character.isUpperCase(w.charAt(0)) && w.chars().allMatch(Character::isLetter) && w.length() >= 2 && !NOT_NAMES.contains(w)) names.add(w);
      }
      if (number != null) candidates.add(new String[] {s, number, "number"});
      else if (!names.isEmpty()) candidates.add(new String[] {s, names.get(pick(bookId, chunkIndex, 1, names.size())), "name"});
    }
    if (!candidates.isEmpty()) {
      String[] c = candidates.get(pick(bookId, chunkIndex, 0, candidates.size()));
      String blanked = blank(c[0], c[1]);
      String question = c[2].equals("number")
          ? "What number is missing from this sentence of the passage: \"" + blanked + "\"?"
          : "Which name is missing from this sentence of the passage: \"" + blanked + "\"?";
      return QaResult.ok(question, c[1] + ", as in: \"" + c[0] + "\"", 1);
    }
    String longest = null;
    for (String s : sentences) if (longest == null || s.length() > longest.length()) longest = s;
    String[] words = longest == null ? new String[0] : longest.split(" ");
    if (words.length < 4) return QaResult.failed("no sentence of 4 or more words in the chunk", 1);
    int half = words.length / 2;
    String start = String.join(" ", java.util.Arrays.copyOfRange(words, 0, half));
    String rest = String.join(" ", java.util.Arrays.copyOfRange(words, half, words.length));
    return QaResult.ok("How does the passage continue after \"" + start + "\"?", rest, 1);
  }

  /** Whitespace-collapsed sentences; a leading verse or line number is not part of the sentence. */
  static List<String> sentences(String text) {
    List<String> out = new ArrayList<>();
    for (String s : SENTENCE_END.split(text.replaceAll("\\s+", " ").strip())) {
      String t = s.replaceFirst("^\\d+\\s+", "").strip();
      if (!t.isEmpty()) out.add(t);
    }
    return out;
  }

  /** The sentence with the first whole-word occurrence of {@code span} after its first word replaced by a blank. */
  static String blank(String sentence, String span) {
    int from = sentence.indexOf(' ');
    java.util.regex.Matcher m = Pattern.compile("(?<![\\p{L}\\p{N}])" + Pattern.quote(span) + "(?![\\p{L}\\p{N}])").matcher(sentence);
    if (from >= 0 && m.find(from)) return sentence.substring(0, m.start()) + "____" + sentence.substring(m.end());
    return sentence.replace(span, "____");
  }

  private int pick(String bookId, int chunkIndex, int salt, int n) {
    long h = seed * 0x9E3779B97F4A7C15L + bookId.hashCode() * 31L + chunkIndex * 1_000_003L + salt;
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return (int) Math.floorMod(h, (long) n);
  }
}
