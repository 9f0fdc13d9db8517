package org.lwm.packing.pack;

import java.util.Arrays;
import org.lwm.packing.format.FormattedExample;

/**
 * Targets {@code from+1 … from+length} of an example (inputs {@code from … from+length−1}) with what building its
 * row needs: the example's id, task, tokens, vision mask and loss weights (see {@link LossWeights}; the loss mask
 * itself is not kept). A whole example shares the example's arrays; the last piece of an over-long one holds a copy
 * of its own slice only, so a piece waiting in a window or an open row never keeps a whole long example alive.
 */
record Piece(String id, String task, int[] tokens, boolean[] vision, float[] weights, int from, int length) {

  /** Targets {@code from+1 … from+length} of {@code e}, on the example's own arrays. */
  static Piece of(FormattedExample e, float[] weights, int from, int length) {
    return new Piece(e.id(), e.task(), e.tokens(), e.visionMask(), weights, from, length);
  }

  /** The same targets on a copy of positions {@code from … from+length} only. */
  static Piece sliceOf(FormattedExample e, float[] weights, int from, int length) {
    int to = from + length + 1;
    return new Piece(e.id(), e.task(), Arrays.copyOfRange(e.tokens(), from, to), Arrays.copyOfRange(e.visionMask(), from, to),
        Arrays.copyOfRange(weights, from, to), 0, length);
  }

  /** Tokens whose arrays this piece keeps in memory (~9 bytes each: id, vision flag, weight). */
  long heldTokens() {
    return tokens.length;
  }
}
