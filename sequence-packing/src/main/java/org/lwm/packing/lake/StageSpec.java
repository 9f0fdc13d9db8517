package org.lwm.packing.lake;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;

/**
 * A training stage's data: its name (the {@code packed} partition), its length L, the tasks it takes with their
 * proportions of tokens (empty: every task as it is), and the tasks packed apart from the rest (e.g. QA chats,
 * whose answer tokens are under 1% of their tokens, DESIGN §9). Proportions are met by sampling each task down
 * (seeded, by example) to the largest mixture the data allows; nothing is repeated.
 *
 * <p>Config keys (CLI options win): {@code pack.stages.NAME.seq_len}, {@code pack.stages.NAME.sources}
 * ({@code task=weight,...}, e.g. {@code chat=7,long_qa=3}), {@code pack.stages.NAME.separate} ({@code task,...}),
 * {@code pack.stages.NAME.seed}, {@code pack.window}, {@code pack.max_open_rows}.
 */
public record StageSpec(String name, int seqLen, Map<String, Double> sources, Set<String> separate, long seed)
    implements Serializable {

  public StageSpec {
    if (name == null || !name.matches("[A-Za-z0-9_.-]+")) {
      throw new UserError("stage name '" + name + "' must be letters, digits, '_', '.' or '-' (e.g. 2k, text-32k)");
    }
    if (seqLen < 2) throw new UserError("stage " + name + ": sequence length " + seqLen + " is too small: give --seq-len (e.g. 2048)");
  }

  public static StageSpec of(String name, Config config, Integer seqLen, String sources, String separate, Long seed) {
    String p = "pack.stages." + name + ".";
    int l = seqLen != null ? seqLen : config.getInt(p + "seq_len", -1);
    if (l < 0) throw new UserError("stage " + name + " has no length: pass --seq-len L or set " + p + "seq_len");
    return new StageSpec(name, l, parseSources(sources != null ? sources : config.get(p + "sources", "")),
        parseSet(separate != null ? separate : config.get(p + "separate", "")),
        seed != null ? seed : config.getLong(p + "seed", 0L));
  }

  /** {@code task=weight,task=weight} → weights normalised to 1. */
  public static Map<String, Double> parseSources(String s) {
    Map<String, Double> out = new LinkedHashMap<>();
    if (s == null || s.isBlank()) return out;
    double total = 0;
    for (String part : s.split(",")) {
      String[] kv = part.trim().split("=", 2);
      double w;
      try {
        w = kv.length == 2 ? Double.parseDouble(kv[1].trim()) : 1.0;
      } catch (NumberFormatException e) {
        throw new UserError("stage sources '" + s + "': weight '" + kv[1] + "' is not a number (write task=weight, e.g. chat=7,long_qa=3)");
      }
      if (!(w > 0) || Double.isInfinite(w)) throw new UserError("stage sources '" + s + "': weight of " + kv[0] + " must be positive");
      out.put(kv[0].trim(), w);
      total += w;
    }
    for (Map.Entry<String, Double> e : out.entrySet()) e.setValue(e.getValue() / total);
    return out;
  }

  static Set<String> parseSet(String s) {
    Set<String> out = new LinkedHashSet<>();
    if (s == null) return out;
    for (String t : s.split(",")) if (!t.isBlank()) out.add(t.trim());
    return out;
  }

  /**
   * Fraction of each task's examples to keep so token shares match the proportions: the mixture is as large as the
   * scarcest task allows (total = min over tasks of tokens/share), each task keeps share·total of its tokens.
   */
  public Map<String, Double> keepFractions(Map<String, Long> tokensPerTask) {
    Map<String, Double> keep = new LinkedHashMap<>();
    if (sources.isEmpty()) {
      tokensPerTask.keySet().forEach(t -> keep.put(t, 1.0));
      return keep;
    }
    double total = Double.POSITIVE_INFINITY;
    for (Map.Entry<String, Double> e : sources.entrySet()) {
      long tokens = tokensPerTask.getOrDefault(e.getKey(), 0L);
      if (tokens == 0) {
        throw new UserError("stage " + name + " takes task '" + e.getKey() + "' but 'examples' has none (tasks: "
            + String.join(", ", tokensPerTask.keySet()) + "): build it or drop it from the stage's sources");
      }
      total = Math.min(total, tokens / e.getValue());
    }
    for (Map.Entry<String, Double> e : sources.entrySet()) {
      keep.put(e.getKey(), Math.min(1.0, e.getValue() * total / tokensPerTask.get(e.getKey())));
    }
    return keep;
  }
}
