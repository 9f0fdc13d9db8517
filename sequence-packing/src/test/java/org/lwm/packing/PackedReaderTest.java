package org.lwm.packing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.lwm.core.records.PackedRow;
import org.lwm.core.records.SequenceLayout;
import org.lwm.packing.pack.Packer;
import org.lwm.packing.read.PackedReader;

class PackedReaderTest {
  static List<PackedRow> rows(int n) {
    List<PackedRow> rows = new ArrayList<>();
    Packer p = new Packer(new Packer.Options(32, 1, 16, 4), 0, rows::add);
    PackerPropertyTest.examples(new Random(4), 400, 32).forEach(p::add);
    p.finish();
    assertTrue(rows.size() >= n);
    return rows.subList(0, n);
  }

  static List<Long> take(PackedReader r, int n) {
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) ids.add(r.next().seqId());
    return ids;
  }

  @Test
  void resumesExactlyFromASavedCursor() {
    List<PackedRow> rows = rows(37);
    Random rnd = new Random(1);
    for (int trial = 0; trial < 30; trial++) {
      int dp = 1 + rnd.nextInt(4);
      int rank = rnd.nextInt(dp);
      long seed = rnd.nextLong();
      PackedReader a = new PackedReader(rows, seed, rank, dp);
      take(a, rnd.nextInt(60));
      String saved = a.cursor().encode();
      List<Long> expected = take(a, 50); // crosses epoch boundaries
      List<PackedRow> shuffled = new ArrayList<>(rows);
      java.util.Collections.shuffle(shuffled, new Random(trial));
      PackedReader b = new PackedReader(shuffled, 0, rank, dp);
      b.restore(PackedReader.Cursor.parse(saved));
      assertEquals(expected, take(b, 50), "trial " + trial);
    }
  }

  @Test
  void aRowFileReadsLikeTheRowsInMemory(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
    List<PackedRow> rows = rows(29);
    List<PackedRow> shuffled = new ArrayList<>(rows);
    java.util.Collections.shuffle(shuffled, new Random(3));
    String uri = tmp.resolve("s.lwmrows").toUri().toString();
    var conf = new org.apache.hadoop.conf.Configuration();
    assertEquals(29, org.lwm.packing.read.PackedRowFile.write(conf, uri, shuffled.iterator()));
    assertTrue(!java.nio.file.Files.exists(tmp.resolve("s.lwmrows.tmp")), "written beside, then renamed");
    try (var file = org.lwm.packing.read.PackedRowFile.open(conf, uri)) {
      PackedReader a = new PackedReader(rows, 9, 1, 2), b = new PackedReader(file, 9, 1, 2);
      for (int i = 0; i < 40; i++) assertEquals(a.next(), b.next(), "row " + i + " of rank 1");
    }
    java.nio.file.Files.writeString(tmp.resolve("bad.lwmrows"), "not rows at all, long enough for a footer");
    assertThrows(java.io.UncheckedIOException.class,
        () -> org.lwm.packing.read.PackedRowFile.open(conf, tmp.resolve("bad.lwmrows").toUri().toString()));
  }

  @Test
  void ranksShareEachEpochWithoutOverlap() {
    List<PackedRow> rows = rows(23);
    int dp = 3;
    Set<Long> seen = new HashSet<>();
    long steps = 23 / dp;
    for (int rank = 0; rank < dp; rank++) {
      PackedReader r = new PackedReader(rows, 42, rank, dp);
      for (long s = 0; s < steps; s++) assertTrue(seen.add(r.next().seqId()), "a row given to two ranks");
      assertEquals(new PackedReader.Cursor(42, 0, steps), r.cursor());
    }
    assertEquals(steps * dp, seen.size());
  }

  @Test
  void orderIsDeterministicForASeedAndDiffersAcrossSeedsAndEpochs() {
    List<PackedRow> rows = rows(40);
    List<Long> a = take(new PackedReader(rows, 7, 0, 1), 80);
    assertEquals(a, take(new PackedReader(rows, 7, 0, 1), 80));
    assertNotEquals(a, take(new PackedReader(rows, 8, 0, 1), 80));
    assertNotEquals(a.subList(0, 40), a.subList(40, 80), "each epoch is reshuffled");
    assertEquals(new HashSet<>(a.subList(0, 40)), new HashSet<>(a.subList(40, 80)), "each epoch is every row once");
  }

  @Test
  void shardsReassembleTheRowInBothLayouts() {
    PackedRow row = rows(1).get(0);
    for (SequenceLayout layout : SequenceLayout.values()) {
      for (int sp : new int[] {1, 2, 4, 8}) {
        PackedRow[] shards = PackedReader.shards(row, sp, layout);
        int[] back = new int[row.length()];
        float[] w = new float[row.length()];
        for (int r = 0; r < sp; r++) {
          int[] pos = layout.positions(row.length(), sp, r);
          for (int i = 0; i < pos.length; i++) {
            back[pos[i]] = shards[r].inputIds()[i];
            w[pos[i]] = shards[r].lossWeight()[i];
          }
          if (layout == SequenceLayout.ZIGZAG) {
            int chunk = row.length() / (2 * sp);
            assertEquals(r * chunk, pos[0], "zigzag shard r starts with chunk r");
            assertEquals((2 * sp - 1 - r) * chunk, pos[chunk], "zigzag shard r then holds chunk 2·sp−1−r");
          }
        }
        assertArrayEquals(row.inputIds(), back);
        assertArrayEquals(row.lossWeight(), w);
      }
    }
    assertThrows(IllegalArgumentException.class, () -> PackedReader.shards(row, 3, SequenceLayout.ZIGZAG));
  }

  @Test
  void refusesACursorOfAnotherStage() {
    PackedReader r = new PackedReader(rows(10), 1, 0, 1);
    assertThrows(IllegalArgumentException.class, () -> r.restore(new PackedReader.Cursor(1, 0, 11)));
    assertThrows(IllegalArgumentException.class, () -> PackedReader.Cursor.parse("epoch=1"));
  }
}
