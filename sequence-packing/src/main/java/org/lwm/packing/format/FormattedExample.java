package org.lwm.packing.format;

import java.io.Serializable;
import java.util.Arrays;

/**
 * One formatted example (DESIGN §3 {@code examples}, §5): token ids (a text id, or a vision id where
 * {@code visionMask} is true), the loss mask of each token (1 where the token is to be predicted), and the
 * vision mask. {@code id} and {@code task} name it in the lake and in packed rows.
 */
public record FormattedExample(String id, String task, int[] tokens, float[] lossMask, boolean[] visionMask)
    implements Serializable {

  public FormattedExample {
    if (lossMask.length != tokens.length || visionMask.length != tokens.length) {
      throw new IllegalArgumentException("example " + id + ": tokens, loss_mask and vision_mask differ in length ("
          + tokens.length + ", " + lossMask.length + ", " + visionMask.length + ")");
    }
  }

  public int length() {
    return tokens.length;
  }

  public FormattedExample withId(String newId, String newTask) {
    return new FormattedExample(newId, newTask, tokens, lossMask, visionMask);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FormattedExample e && java.util.Objects.equals(id, e.id) && java.util.Objects.equals(task, e.task)
        && Arrays.equals(tokens, e.tokens) && Arrays.equals(lossMask, e.lossMask) && Arrays.equals(visionMask, e.visionMask);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hashCode(id) * 31 + Arrays.hashCode(tokens);
  }

  @Override
  public String toString() {
    return "FormattedExample[id=" + id + ", task=" + task + ", n=" + tokens.length + "]";
  }
}
