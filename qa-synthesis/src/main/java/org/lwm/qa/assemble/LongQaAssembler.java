package org.lwm.qa.assemble;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.lwm.core.records.ChatTemplate;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.qa.QaTables;

/**
 * Long-context QA chats of one book at one target length T: consecutive windows of adjacent chunks, each as long
 * as fits, whose QA pairs become the chat turns after the concatenated context. A window grows chunk by chunk
 * while an estimate (the chunks' token counts, the turns' tokens and the template's, and one token of slack per
 * chunk seam) stays within T; the finished example is then counted exactly as the formatter will count it
 * ({@link ChatTemplate.Formatted#nTokens}), and if it is over T its last chunk goes (with its pair) until it fits.
 * So no example exceeds T. Which pairs and in what order: all ok pairs of the window, or {@code maxTurns} of them,
 * shuffled or in document order, drawn with a seed mixed with the example id (deterministic).
 * A book of fewer than T tokens gives no example at T; nor does a window without any pair, nor the book's last
 * window when it fills less than {@code minFill}·T. Each case is counted in the {@link Tally}.
 */
public final class LongQaAssembler {
  public record ChunkText(int index, String text, int nTokens) implements Serializable {}

  public record Pair(int chunkIndex, String question, String answer) implements Serializable {}

  public record Settings(int maxTurns, boolean shuffle, long seed, double minFill, String generator, String promptHash) implements Serializable {}

  public record Example(String exampleId, int targetLength, String bookId, int chunkStart, int chunkEnd, String context, List<Pair> turns,
      ChatTemplate.Formatted formatted, int nTokens) {}

  /** What the assembly skipped, by reason. */
  public static final class Tally implements Serializable {
    public long examples;
    public long turns;
    public long tokens;
    public long booksTooShort;
    public long windowsWithoutQa;
    public long tailWindowsDropped;
    public long chunksDroppedToFit;
  }

  private final Settings settings;
  private final SentencePieceTokenizer.Encoder encoder;
  private final int headerTokens;
  private final int turnTemplateTokens;

  public LongQaAssembler(SentencePieceTokenizer tokenizer, Settings settings) {
    this.settings = settings;
    this.encoder = tokenizer.newEncoder();
    this.headerTokens = ChatTemplate.tokens(encoder, ChatTemplate.DEFAULT_SYSTEM + " USER:") + ChatTemplate.tokens(encoder, "ASSISTANT:") + 2;
    this.turnTemplateTokens = ChatTemplate.tokens(encoder, "USER:") + ChatTemplate.tokens(encoder, "ASSISTANT:") + 2;
  }

  /** Examples of one book at length {@code t}; {@code chunks} in index order, {@code pairs} by chunk index (ok pairs only). */
  public List<Example> assemble(String bookId, List<ChunkText> chunks, Map<Integer, Pair> pairs, int t, Tally tally) {
    List<Example> out = new ArrayList<>();
    long bookTokens = 0;
    for (ChunkText c : chunks) bookTokens += c.nTokens();
    if (bookTokens < t) {
      tally.booksTooShort++;
      return out;
    }
    int[] turnCost = new int[chunks.size()];
    for (int i = 0; i < chunks.size(); i++) {
      Pair p = pairs.get(chunks.get(i).index());
      turnCost[i] = p == null ? 0 : ChatTemplate.tokens(encoder, p.question()) + ChatTemplate.tokens(encoder, p.answer()) + turnTemplateTokens;
    }
    int start = 0;
    while (start < chunks.size()) {
      int end = start;
      long context = 0;
      List<Integer> costs = new ArrayList<>();
      long estimate = headerTokens;
      while (end < chunks.size()) {
        if (turnCost[end] > 0) costs.add(turnCost[end]);
        long e = headerTokens + context + chunks.get(end).nTokens() + topTurns(costs) + (end - start + 1);
        if (e > t) {
          if (turnCost[end] > 0) costs.remove(costs.size() - 1);
          break;
        }
        context += chunks.get(end).nTokens();
        estimate = e;
        end++;
      }
      if (end == start) end = start + 1; // one chunk alone over T: let the exact count below decide
      if (end == chunks.size() && estimate < settings.minFill() * t) {
        tally.tailWindowsDropped++;
        break;
      }
      Example ex = null;
      int stop = end;
      for (; stop > start; stop--) {
        ex = build(bookId, chunks, pairs, start, stop, t, tally);
        if (ex != null || !hasPair(chunks, pairs, start, stop)) break;
        tally.chunksDroppedToFit++;
      }
      if (ex != null) {
        out.add(ex);
        tally.examples++;
        tally.turns += ex.turns().size();
        tally.tokens += ex.nTokens();
        end = stop; // chunks dropped to fit start the next window
      }
      start = Math.max(end, start + 1);
    }
    return out;
  }

  /** The example over chunks [start, stop) if it has a pair and fits in t tokens, else null. */
  private Example build(String bookId, List<ChunkText> chunks, Map<Integer, Pair> pairs, int start, int stop, int t, Tally tally) {
    List<Pair> inWindow = new ArrayList<>();
    for (int i = start; i < stop; i++) {
      Pair p = pairs.get(chunks.get(i).index());
      if (p != null) inWindow.add(p);
    }
    if (inWindow.isEmpty()) {
      tally.windowsWithoutQa++;
      return null;
    }
    int first = chunks.get(start).index();
    int last = chunks.get(stop - 1).index() + 1;
    String id = QaTables.sha256(32, bookId, String.valueOf(t), String.valueOf(first), String.valueOf(last), settings.generator(), settings.promptHash());
    List<Pair> turns = chooseTurns(inWindow, new Random(settings.seed() * 0x9E3779B97F4A7C15L ^ id.hashCode()));
    StringBuilder context = new StringBuilder();
    for (int i = start; i < stop; i++) context.append(chunks.get(i).text());
    String ctx = context.toString().strip();
    List<String> questions = new ArrayList<>();
    List<String> answers = new ArrayList<>();
    for (Pair p : turns) {
      questions.add(p.question());
      answers.add(p.answer());
    }
    ChatTemplate.Formatted f = ChatTemplate.longQa(ctx, questions, answers);
    int n = f.nTokens(encoder);
    if (n > t) return null;
    return new Example(id, t, bookId, first, last, ctx, turns, f, n);
  }

  private List<Pair> chooseTurns(List<Pair> inWindow, Random rnd) {
    List<Pair> turns = new ArrayList<>(inWindow);
    int max = settings.maxTurns() > 0 ? settings.maxTurns() : turns.size();
    if (settings.shuffle()) {
      Collections.shuffle(turns, rnd);
      return new ArrayList<>(turns.subList(0, Math.min(max, turns.size())));
    }
    if (turns.size() <= max) return turns;
    List<Integer> idx = new ArrayList<>();
    for (int i = 0; i < turns.size(); i++) idx.add(i);
    Collections.shuffle(idx, rnd);
    List<Integer> keep = new ArrayList<>(idx.subList(0, max));
    Collections.sort(keep);
    List<Pair> out = new ArrayList<>();
    for (int i : keep) out.add(turns.get(i));
    return out;
  }

  /** Tokens of the turns that will be chosen at most: the largest {@code maxTurns} costs (all when unlimited). */
  private long topTurns(List<Integer> costs) {
    if (settings.maxTurns() <= 0 || costs.size() <= settings.maxTurns()) {
      long s = 0;
      for (int c : costs) s += c;
      return s;
    }
    List<Integer> sorted = new ArrayList<>(costs);
    sorted.sort(Collections.reverseOrder());
    long s = 0;
    for (int i = 0; i < settings.maxTurns(); i++) s += sorted.get(i);
    return s;
  }

  private static boolean hasPair(List<ChunkText> chunks, Map<Integer, Pair> pairs, int start, int stop) {
    for (int i = start; i < stop; i++) if (pairs.containsKey(chunks.get(i).index())) return true;
    return false;
  }
}
