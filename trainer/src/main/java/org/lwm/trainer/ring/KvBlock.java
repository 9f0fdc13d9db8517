package org.lwm.trainer.ring;

import java.io.Serializable;

/**
 * One worker's keys and values for one layer, as they travel around the ring: K and V [T, KV·hd] (RoPE
 * applied), the row index and segment id of each of the T positions (so a receiver can mask without knowing
 * the layout), and in the backward pass the dK/dV accumulators that collect every worker's contribution
 * before the block arrives home.
 */
public record KvBlock(int owner, float[] k, float[] v, int[] index, int[] segment, float[] dk, float[] dv)
    implements Serializable {}
