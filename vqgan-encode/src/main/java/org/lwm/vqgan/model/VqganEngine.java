package org.lwm.vqgan.model;

/**
 * One implementation of LWM's VQGAN encode: images (NHWC, [−1, 1], square) to each image's grid of codebook
 * indices, row-major. {@link Vqgan} is the project's own Java engine; {@code org.lwm.vqgan.dl4j.Dl4jVqgan} is the
 * same network as a Deeplearning4j graph. {@code vqgan.engine} picks one.
 */
public interface VqganEngine {
  /** Codes for each image of the batch: codes[i] is image i's grid, row-major. */
  int[][] encode(FeatureMap images);

  /** What runs underneath, for logs: the engine, its kernels, its threads. */
  String describe();
}
