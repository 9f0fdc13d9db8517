package org.lwm.core.records;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.BufferedReader;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lwm.core.cli.UserError;

class SequenceLayoutTest {
  @Test
  void zigzagGivesShardRChunksRAndMirror() {
    // L=16, sp=2: chunks of 4; shard 0 = chunks 0 and 3, shard 1 = chunks 1 and 2
    assertArrayEquals(new int[] {0, 1, 2, 3, 12, 13, 14, 15}, SequenceLayout.ZIGZAG.positions(16, 2, 0));
    assertArrayEquals(new int[] {4, 5, 6, 7, 8, 9, 10, 11}, SequenceLayout.ZIGZAG.positions(16, 2, 1));
    assertArrayEquals(new int[] {8, 9, 10, 11, 12, 13, 14, 15}, SequenceLayout.CONTIGUOUS.positions(16, 2, 1));
  }

  @Test
  void everyLayoutCoversTheRowExactlyOnce() {
    for (SequenceLayout layout : SequenceLayout.values()) {
      for (int sp : new int[] {1, 2, 4, 8}) {
        int length = 2 * sp * 3;
        BitSet seen = new BitSet();
        for (int r = 0; r < sp; r++) {
          for (int p : layout.positions(length, sp, r)) {
            assertEquals(false, seen.get(p), layout + " sp=" + sp + " position " + p + " twice");
            seen.set(p);
          }
        }
        assertEquals(length, seen.cardinality());
      }
    }
  }

  @Test
  void unevenLengthIsRefusedWithWhatToChange() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SequenceLayout.ZIGZAG.check(10, 4));
    assertEquals(true, e.getMessage().contains("divisible by 8"), e.getMessage());
  }

  @Test
  void packedRowJsonRoundTripsAndFillsDefaults() throws Exception {
    PackedRow row = new PackedRow(7, new int[] {1, 5, 6, 0}, new int[] {5, 6, 2, 0}, new float[] {0f, 0.5f, 0.5f, 0f},
        new boolean[] {false, true, false, false}, new boolean[] {true, false, false, false},
        new int[] {1, 1, 1, 0}, new int[] {0, 1, 2, 0}, new String[] {"a"});
    StringWriter w = new StringWriter();
    PackedRowJson.write(row, w);
    List<PackedRow> back = PackedRowJson.readAll(new BufferedReader(new StringReader(w.toString())), "t");
    assertEquals(List.of(row), back);

    PackedRow plain = PackedRowJson.parse("{\"input_ids\": [3, 4, 5]}", "x", 9);
    assertEquals(9, plain.seqId());
    assertArrayEquals(new int[] {4, 5, 0}, plain.targetIds());
    assertArrayEquals(new float[] {0.5f, 0.5f, 0f}, plain.lossWeight());
    assertArrayEquals(new int[] {0, 1, 2}, plain.positionIds());
    assertArrayEquals(new int[] {1, 1, 1}, plain.segmentIds());

    UserError bad = assertThrows(UserError.class, () -> PackedRowJson.parse("{\"input_ids\": [1], \"segment_ids\": [1, 1]}", "rows.jsonl line 2", 0));
    assertEquals("rows.jsonl line 2: 'segment_ids' has 2 entries, input_ids has 1", bad.getMessage());
  }
}
