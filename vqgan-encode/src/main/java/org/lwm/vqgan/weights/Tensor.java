package org.lwm.vqgan.weights;

import java.util.Arrays;

/** One named parameter: its shape (Flax's, e.g. HWIO for a kernel) and its values as float32, row-major. */
public record Tensor(String name, int[] shape, float[] data) {
  public Tensor {
    long n = 1;
    for (int d : shape) n *= d;
    if (n != data.length) throw new IllegalArgumentException("tensor " + name + " of shape " + Arrays.toString(shape) + " has " + data.length + " values");
  }

  public String shapeText() {
    return Arrays.toString(shape);
  }
}
