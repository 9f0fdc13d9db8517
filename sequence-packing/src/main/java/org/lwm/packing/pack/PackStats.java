package org.lwm.packing.pack;

import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a packing run did: rows and their filled positions, examples in, examples too short to have a target,
 * examples longer than L split into pieces, and target positions per task. Mergeable across partitions.
 */
public final class PackStats implements Serializable {
  public long rows;
  public long usedPositions;
  public long seqLen;
  public long examples;
  public long examplesEmpty;
  public long examplesSplit;
  public long pieces;
  public long maxOpenRows;
  /** The most tokens one window held (whole examples, or the slices kept of over-long ones). */
  public long maxWindowTokens;
  /** The most tokens the rows left open after a window held. */
  public long maxOpenTokens;
  public final Map<String, Long> positionsPerTask = new TreeMap<>();

  public double fillRate() {
    return rows == 0 ? 0 : (double) usedPositions / (rows * seqLen);
  }

  public void merge(PackStats o) {
    rows += o.rows;
    usedPositions += o.usedPositions;
    seqLen = Math.max(seqLen, o.seqLen);
    examples += o.examples;
    examplesEmpty += o.examplesEmpty;
    examplesSplit += o.examplesSplit;
    pieces += o.pieces;
    maxOpenRows = Math.max(maxOpenRows, o.maxOpenRows);
    maxWindowTokens = Math.max(maxWindowTokens, o.maxWindowTokens);
    maxOpenTokens = Math.max(maxOpenTokens, o.maxOpenTokens);
    o.positionsPerTask.forEach((k, v) -> positionsPerTask.merge(k, v, Long::sum));
  }

  @Override
  public String toString() {
    return String.format("rows=%d fill=%.4f examples=%d split=%d pieces=%d empty=%d", rows, fillRate(), examples,
        examplesSplit, pieces, examplesEmpty);
  }
}
