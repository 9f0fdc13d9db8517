package org.lwm.packing.pack;

import org.lwm.packing.format.FormattedExample;

/**
 * Targets {@code from+1 … from+length} of an example (inputs {@code from … from+length−1}): a whole example
 * ({@code from} = 0, {@code length} = n−1) or one piece of an over-long one. {@code weights} are the whole
 * example's (see {@link LossWeights}), shared by its pieces.
 */
record Piece(FormattedExample example, float[] weights, int from, int length) {}
