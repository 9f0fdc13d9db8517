package org.lwm.trainer.inference;

import java.util.Arrays;
import org.lwm.core.cli.UserError;
import org.lwm.trainer.model.ModelConfig;

/**
 * One sequence's keys and values per layer ([capacity, KV·hd], RoPE already applied to the keys), grown by doubling
 * up to the model's context; the positions cached so far are 0 … length−1.
 */
public final class KvCache {
  final float[][] keys;
  final float[][] values;
  int[] index;
  int[] segment;
  private final int width;
  private final int maxLength;
  int length;

  public KvCache(ModelConfig c, int initialCapacity) {
    width = c.kvHeads() * c.headDim();
    maxLength = c.maxPositions();
    int cap = Math.max(1, Math.min(initialCapacity, maxLength));
    keys = new float[c.layers()][cap * width];
    values = new float[c.layers()][cap * width];
    index = new int[cap];
    segment = new int[cap];
  }

  public int length() {
    return length;
  }

  /** Room for {@code n} more positions; past the model's context a one-line error. */
  void reserve(int n) {
    int need = length + n;
    if (need > maxLength) {
      throw new UserError("the sequence would reach " + need + " tokens, past the model's context of " + maxLength
          + " (max_position_embeddings): shorten the prompt or --max-tokens");
    }
    if (need <= index.length) return;
    int cap = Math.min(maxLength, Math.max(need, index.length * 2));
    for (int l = 0; l < keys.length; l++) {
      keys[l] = Arrays.copyOf(keys[l], cap * width);
      values[l] = Arrays.copyOf(values[l], cap * width);
    }
    index = Arrays.copyOf(index, cap);
    segment = Arrays.copyOf(segment, cap);
  }
}
