package org.lwm.packing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.packing.lake.PackJob;
import org.lwm.packing.lake.StageSpec;

class StageSpecTest {
  @Test
  void packRunPartitionsFollowTheCoresTheRowsAndTheTokenBound() {
    long bound = PackJob.DEFAULT_PARTITION_TOKENS;
    assertEquals(1, PackJob.defaultPartitions(1_000, 64, 2, bound), "small data: one partition");
    assertEquals(2, PackJob.defaultPartitions(2 * 256L * 64, 64, 2, bound), "256 rows per partition at least");
    assertEquals(4, PackJob.defaultPartitions(bound, 32768, 8, bound), "8 cores, 1024 rows: 256 rows each");
    // 1 GB of books made 847.6 M tokens: 26 partitions of at most 2^25 tokens each, not one per core
    assertEquals(26, PackJob.defaultPartitions(847_550_559L, 32768, 2, bound));
    assertEquals(4, PackJob.defaultPartitions(4 * bound, 64, 2, bound), "exactly at the bound");
  }

  @Test
  void keptTokensFollowTheProportionsAndUseTheScarcestTaskWhole() {
    Random r = new Random(6);
    for (int trial = 0; trial < 200; trial++) {
      Map<String, Long> tokens = new LinkedHashMap<>();
      StringBuilder sources = new StringBuilder();
      int tasks = 1 + r.nextInt(4);
      for (int i = 0; i < tasks; i++) {
        tokens.put("t" + i, 1 + (long) r.nextInt(1_000_000));
        if (i > 0) sources.append(',');
        sources.append("t").append(i).append('=').append(1 + r.nextInt(9));
      }
      tokens.put("other", 5L);
      StageSpec s = new StageSpec("s", 64, StageSpec.parseSources(sources.toString()), java.util.Set.of(), 0);
      Map<String, Double> keep = s.keepFractions(tokens);
      double total = 0;
      boolean someWhole = false;
      for (String t : s.sources().keySet()) {
        assertTrue(keep.get(t) > 0 && keep.get(t) <= 1.0);
        total += keep.get(t) * tokens.get(t);
        someWhole |= Math.abs(keep.get(t) - 1.0) < 1e-12;
      }
      assertTrue(someWhole, "the scarcest task is kept whole");
      for (String t : s.sources().keySet()) {
        assertEquals(s.sources().get(t), keep.get(t) * tokens.get(t) / total, 1e-9, "share of " + t);
      }
      assertTrue(!keep.containsKey("other"), "tasks outside the stage's sources are left out");
    }
  }

  @Test
  void configAndErrors() {
    StageSpec s = StageSpec.of("chat", Config.of(Map.of("pack.stages.chat.seq_len", "4096", "pack.stages.chat.sources", "chat=7,long_qa=3",
        "pack.stages.chat.separate", "long_qa")), null, null, null, null);
    assertEquals(4096, s.seqLen());
    assertEquals(0.7, s.sources().get("chat"), 1e-12);
    assertEquals(java.util.Set.of("long_qa"), s.separate());
    assertEquals(Map.of("x", 1.0), new StageSpec("a", 8, Map.of(), java.util.Set.of(), 0).keepFractions(Map.of("x", 3L)));
    assertThrows(UserError.class, () -> StageSpec.of("nolen", Config.empty(), null, null, null, null));
    assertThrows(UserError.class, () -> StageSpec.parseSources("chat=x"));
    UserError missing = assertThrows(UserError.class, () -> StageSpec.of("m", Config.empty(), 64, "video_to_text=1", null, null)
        .keepFractions(Map.of("text", 10L)));
    assertTrue(missing.getMessage().contains("'video_to_text'"), missing.getMessage());
  }
}
