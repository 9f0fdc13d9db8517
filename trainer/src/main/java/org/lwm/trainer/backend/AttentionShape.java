package org.lwm.trainer.backend;

/**
 * One attention's shape: H query heads and KV key/value heads of hd (query head h reads kv head h / (H/KV)),
 * computed in tiles of queryChunk × keyChunk positions; scale = 1/√hd.
 */
public record AttentionShape(int heads, int kvHeads, int headDim, int queryChunk, int keyChunk) implements java.io.Serializable {
  public AttentionShape {
    if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0) {
      throw new IllegalArgumentException(heads + " query heads cannot share " + kvHeads + " key/value heads");
    }
  }

  public float scale() {
    return (float) (1.0 / Math.sqrt(headDim));
  }

  /** Query heads per key/value head. */
  public int group() {
    return heads / kvHeads;
  }
}
