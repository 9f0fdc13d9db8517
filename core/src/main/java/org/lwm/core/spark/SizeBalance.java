package org.lwm.core.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Items of very different sizes (1 KB to 10 MB books, files) spread over partitions of about {@code target} units
 * each: largest first, each into the partition with the least so far (LPT scheduling), so one large item gets a
 * partition of its own and small ones fill the rest. Computed on the driver from sizes it already knows (file
 * lengths, {@code n_chars}), so the data itself never moves through a shuffle.
 */
public final class SizeBalance {
  private SizeBalance() {}

  /**
   * The partition of each item (by index), with at least {@code minParts} partitions when there are that many items.
   */
  public static int[] assign(long[] sizes, long target, int minParts) {
    int[] out = new int[sizes.length];
    if (sizes.length == 0) return out;
    long total = 0;
    for (long s : sizes) total += s;
    int n = (int) Math.max(1, Math.min(sizes.length, Math.max(minParts, (total + Math.max(1, target) - 1) / Math.max(1, target))));
    Integer[] order = new Integer[sizes.length];
    for (int i = 0; i < order.length; i++) order[i] = i;
    Arrays.sort(order, (a, b) -> sizes[a] != sizes[b] ? Long.compare(sizes[b], sizes[a]) : Integer.compare(a, b));
    PriorityQueue<long[]> load = new PriorityQueue<>((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
    for (int i = 0; i < n; i++) load.add(new long[] {0, i});
    for (int i : order) {
      long[] p = load.poll();
      out[i] = (int) p[1];
      p[0] += sizes[i];
      load.add(p);
    }
    return out;
  }

  /** The items grouped by {@link #assign}: one list per partition, items in their original order. */
  public static <T> List<List<T>> groups(List<T> items, long[] sizes, long target, int minParts) {
    int[] part = assign(sizes, target, minParts);
    int n = 0;
    for (int p : part) n = Math.max(n, p + 1);
    List<List<T>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) out.add(new ArrayList<>());
    for (int i = 0; i < part.length; i++) out.get(part[i]).add(items.get(i));
    return out;
  }
}
