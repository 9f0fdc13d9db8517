package org.lwm.core.records;

import java.io.Serializable;
import java.util.Arrays;

/**
 * One packed training sequence of length L (DESIGN §6): the contract between sequence-packing (writer) and
 * the trainer (reader). Position p holds input {@code inputIds[p]} and its next token {@code targetIds[p]}
 * of the same example; {@code segmentIds} are 1…k for the k examples in order and 0 on padding;
 * {@code positionIds} restart at 0 in every segment; each example's {@code lossWeight}s sum to 1 per
 * modality with loss targets. {@code exampleIds[s-1]} is the id of segment s (may be empty when unknown).
 */
public record PackedRow(
    long seqId,
    int[] inputIds,
    int[] targetIds,
    float[] lossWeight,
    boolean[] inputVision,
    boolean[] targetVision,
    int[] segmentIds,
    int[] positionIds,
    String[] exampleIds) implements Serializable {

  public PackedRow {
    int n = inputIds.length;
    if (targetIds.length != n || lossWeight.length != n || inputVision.length != n || targetVision.length != n
        || segmentIds.length != n || positionIds.length != n) {
      throw new IllegalArgumentException("packed row " + seqId + ": columns differ in length (input_ids has " + n + ")");
    }
    if (exampleIds == null) exampleIds = new String[0];
  }

  /** The sequence length L. */
  public int length() {
    return inputIds.length;
  }

  /**
   * A plain text row of one segment: positions 0…L−1, every target weighted 1/L (one example), no vision.
   * What {@code lwm model forward} assumes for rows that give only ids.
   */
  public static PackedRow text(long seqId, int[] inputIds, int[] targetIds) {
    int n = inputIds.length;
    float[] w = new float[n];
    int[] seg = new int[n];
    int[] pos = new int[n];
    Arrays.fill(w, n == 0 ? 0f : 1f / n);
    Arrays.fill(seg, 1);
    for (int i = 0; i < n; i++) pos[i] = i;
    return new PackedRow(seqId, inputIds, targetIds, w, new boolean[n], new boolean[n], seg, pos, new String[0]);
  }

  /** Number of non-padding positions. */
  public int usedPositions() {
    int used = 0;
    for (int s : segmentIds) if (s != 0) used++;
    return used;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PackedRow r && seqId == r.seqId && Arrays.equals(inputIds, r.inputIds)
        && Arrays.equals(targetIds, r.targetIds) && Arrays.equals(lossWeight, r.lossWeight)
        && Arrays.equals(inputVision, r.inputVision) && Arrays.equals(targetVision, r.targetVision)
        && Arrays.equals(segmentIds, r.segmentIds) && Arrays.equals(positionIds, r.positionIds)
        && Arrays.equals(exampleIds, r.exampleIds);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(seqId) * 31 + Arrays.hashCode(inputIds);
  }

  @Override
  public String toString() {
    return "PackedRow[seq_id=" + seqId + ", L=" + length() + ", used=" + usedPositions() + "]";
  }
}
