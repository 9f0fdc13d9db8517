package org.lwm.core.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SizeBalanceTest {
  @Test
  void largestFirstIntoTheLeastLoadedPartition() {
    long[] sizes = {10_000_000L, 1_000L, 3_000_000L, 3_000_000L, 3_000_000L, 2_000L};
    int[] part = SizeBalance.assign(sizes, 8_000_000L, 1);
    // 19 MB in 3 partitions: the 10 MB book alone, the three 3 MB books spread over the other two
    assertEquals(3, Arrays.stream(part).distinct().count());
    assertEquals(1, Arrays.stream(part).filter(p -> p == part[0]).count(), Arrays.toString(part));
    // at least minParts partitions when there are that many items, never more partitions than items
    assertEquals(4, Arrays.stream(SizeBalance.assign(sizes, 1L << 40, 4)).distinct().count());
    assertEquals(2, Arrays.stream(SizeBalance.assign(new long[] {5, 5}, 1, 8)).distinct().count());
    List<List<String>> groups = SizeBalance.groups(List.of("a", "b", "c"), new long[] {1, 100, 1}, 100, 2);
    assertEquals(List.of(List.of("a", "c"), List.of("b")).size(), groups.size());
    assertEquals(List.of("b"), groups.stream().filter(g -> g.contains("b")).findFirst().orElseThrow());
  }
}
