package org.lwm.core.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * SentencePiece's {@code PrefixMatcher} over the model's USER_DEFINED pieces: at a position of the
 * normalized text, the longest user-defined piece that starts there. Such a match becomes one symbol
 * that BPE never merges.
 */
final class UserSymbols {
  private static final char[][] NONE = new char[0][];
  private final Map<Character, char[][]> byFirstChar = new HashMap<>();

  UserSymbols(List<String> symbols) {
    Map<Character, List<String>> groups = new HashMap<>();
    for (String s : symbols) groups.computeIfAbsent(s.charAt(0), c -> new ArrayList<>()).add(s);
    for (Map.Entry<Character, List<String>> e : groups.entrySet()) {
      List<String> list = e.getValue();
      list.sort(Comparator.comparingInt(String::length).reversed());
      char[][] arr = new char[list.size()][];
      for (int i = 0; i < arr.length; i++) arr[i] = list.get(i).toCharArray();
      byFirstChar.put(e.getKey(), arr);
    }
  }

  boolean isEmpty() {
    return byFirstChar.isEmpty();
  }

  /** Length in chars of the longest user-defined piece at {@code text[pos..end)}, or 0. */
  int match(char[] text, int pos, int end) {
    char[][] candidates = byFirstChar.getOrDefault(text[pos], NONE);
    outer:
    for (char[] c : candidates) {
      if (c.length > end - pos) continue;
      for (int i = 1; i < c.length; i++) if (text[pos + i] != c[i]) continue outer;
      return c.length;
    }
    return 0;
  }

  int match(String text, int pos, int end) {
    char[][] candidates = byFirstChar.getOrDefault(text.charAt(pos), NONE);
    outer:
    for (char[] c : candidates) {
      if (c.length > end - pos) continue;
      for (int i = 1; i < c.length; i++) if (text.charAt(pos + i) != c[i]) continue outer;
      return c.length;
    }
    return 0;
  }
}
