package org.lwm.core.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * SentencePiece's BPE encoder (bpe_model.cc, {@code Model::Encode}) transcribed step for step onto
 * Java strings: a symbol per character (or per user-defined symbol, which is frozen), every adjacent
 * pair whose concatenation is a piece goes into a priority queue by piece score (ties: leftmost pair
 * first), the best pair is merged and its new neighbours are queued, stale entries are recognised by
 * their length, and merged pieces of type UNUSED are split back by the last recorded merge.
 *
 * <p>It is the plain reference beside {@link SentencePieceTokenizer}'s fast path: the fast path is
 * tested against it, and models whose features the fast path does not cover (UNUSED pieces) are
 * encoded by it. Returns the final symbols as strings; ids are assigned by the caller.
 */
final class ReferenceBpe {
  private final Map<String, Integer> pieces; // NORMAL, USER_DEFINED and UNUSED pieces: what a merge may produce
  private final float[] scores;
  private final boolean[] unused;
  private final UserSymbols userSymbols;

  ReferenceBpe(Map<String, Integer> pieces, float[] scores, boolean[] unused, UserSymbols userSymbols) {
    this.pieces = pieces;
    this.scores = scores;
    this.unused = unused;
    this.userSymbols = userSymbols;
  }

  private static final class Symbol {
    int prev;
    int next;
    boolean freeze;
    int start; // offset in the normalized text
    int length; // 0 once merged into its left neighbour
  }

  private record Pair(int left, int right, float score, int size) {}

  /** The final symbols of {@code normalized}, in order, after BPE and resegmentation of UNUSED pieces. */
  List<String> encode(String normalized) {
    List<String> output = new ArrayList<>();
    if (normalized.isEmpty()) return output;
    List<Symbol> symbols = new ArrayList<>();
    Map<String, String[]> revMerge = new HashMap<>();
    PriorityQueue<Pair> agenda = new PriorityQueue<>((a, b) -> {
      // highest score first; on equal scores the leftmost pair
      if (a.score != b.score) return a.score < b.score ? 1 : -1;
      return Integer.compare(a.left, b.left);
    });

    int pos = 0;
    while (pos < normalized.length()) {
      Symbol s = new Symbol();
      int match = userSymbols.match(normalized, pos, normalized.length());
      s.freeze = match > 0;
      int len = match > 0 ? match : Character.charCount(normalized.codePointAt(pos));
      s.start = pos;
      s.length = len;
      s.prev = symbols.size() - 1;
      pos += len;
      s.next = pos < normalized.length() ? symbols.size() + 1 : -1;
      symbols.add(s);
    }

    for (int i = 1; i < symbols.size(); i++) maybeAddPair(normalized, symbols, agenda, revMerge, i - 1, i);

    while (!agenda.isEmpty()) {
      Pair top = agenda.poll();
      Symbol l = symbols.get(top.left);
      Symbol r = symbols.get(top.right);
      if (l.length == 0 || r.length == 0 || l.length + r.length != top.size) continue;
      l.length += r.length;
      l.next = r.next;
      if (r.next >= 0) symbols.get(r.next).prev = top.left;
      r.length = 0;
      maybeAddPair(normalized, symbols, agenda, revMerge, l.prev, top.left);
      maybeAddPair(normalized, symbols, agenda, revMerge, top.left, l.next);
    }

    for (int i = 0; i != -1; i = symbols.get(i).next) {
      Symbol s = symbols.get(i);
      resegment(normalized.substring(s.start, s.start + s.length), revMerge, output);
    }
    return output;
  }

  private void maybeAddPair(String text, List<Symbol> symbols, PriorityQueue<Pair> agenda, Map<String, String[]> revMerge,
      int left, int right) {
    if (left == -1 || right == -1) return;
    Symbol l = symbols.get(left);
    Symbol r = symbols.get(right);
    if (l.freeze || r.freeze) return;
    String piece = text.substring(l.start, l.start + l.length + r.length);
    Integer id = pieces.get(piece);
    if (id == null) return;
    agenda.add(new Pair(left, right, scores[id], piece.length()));
    if (unused[id]) {
      revMerge.put(piece, new String[] {text.substring(l.start, l.start + l.length), text.substring(r.start, r.start + r.length)});
    }
  }

  private void resegment(String w, Map<String, String[]> revMerge, List<String> output) {
    Integer id = pieces.get(w);
    if (id == null || !unused[id]) {
      output.add(w);
      return;
    }
    String[] parts = revMerge.get(w);
    if (parts == null) {
      output.add(w);
      return;
    }
    resegment(parts[0], revMerge, output);
    resegment(parts[1], revMerge, output);
  }
}
