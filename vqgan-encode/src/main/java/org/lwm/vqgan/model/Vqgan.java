package org.lwm.vqgan.model;

import org.lwm.core.numeric.Gemm;
import org.lwm.vqgan.weights.Checkpoint;

/**
 * LWM's VQGAN in Java: {@link #encode} maps images (NHWC, [−1, 1]) to a grid of codebook indices per image,
 * {@link #decode} maps codes back to images. Built from a checkpoint whose shapes give the architecture
 * ({@link VqganConfig#of}); the decoder is built only when the checkpoint has one and it is asked for.
 */
public final class Vqgan implements VqganEngine {
  private final VqganConfig config;
  private final Checkpoint checkpoint;
  private final Gemm gemm;
  private final VqganEncoder encoder;
  private final VectorQuantizer quantizer;
  private volatile VqganDecoder decoder;

  public Vqgan(Checkpoint checkpoint) {
    this(checkpoint, Gemm.best());
  }

  public Vqgan(Checkpoint checkpoint, Gemm gemm) {
    this.config = VqganConfig.of(checkpoint);
    this.checkpoint = checkpoint;
    this.gemm = gemm;
    this.encoder = new VqganEncoder(checkpoint, config, gemm);
    this.quantizer = new VectorQuantizer(checkpoint.get("quantize/embeddings", config.numEmbeddings(), config.embedDim()).data(),
        config.numEmbeddings(), config.embedDim(), gemm);
  }

  public VqganConfig config() {
    return config;
  }

  public Gemm gemm() {
    return gemm;
  }

  public VqganEncoder encoder() {
    return encoder;
  }

  public VectorQuantizer quantizer() {
    return quantizer;
  }

  @Override
  public String describe() {
    return "java engine, " + config + ", " + gemm.name() + ", " + Parallel.threads() + " threads";
  }

  /** Codes for each image of the batch: codes[i] is image i's grid, row-major (side = resolution / 2^(levels−1)). */
  @Override
  public int[][] encode(FeatureMap images) {
    if (images.h != images.w) throw new IllegalArgumentException("images must be square, got " + images.h + "x" + images.w);
    int side = config.gridSize(images.h);
    if (side << (config.levels() - 1) != images.h) {
      throw new IllegalArgumentException("image side " + images.h + " is not a multiple of " + (1 << (config.levels() - 1)));
    }
    int[] flat = quantizer.codes(encoder.forward(images));
    int per = side * side;
    int[][] out = new int[images.n][per];
    for (int i = 0; i < images.n; i++) System.arraycopy(flat, i * per, out[i], 0, per);
    return out;
  }

  /** Images in [−1, 1] for grids of codes (each side×side, row-major). */
  public FeatureMap decode(int[][] codes, int side) {
    int[] flat = new int[codes.length * side * side];
    for (int i = 0; i < codes.length; i++) {
      if (codes[i].length != side * side) throw new IllegalArgumentException("frame " + i + " has " + codes[i].length + " codes, not " + side + "x" + side);
      System.arraycopy(codes[i], 0, flat, i * side * side, side * side);
    }
    return decoder().forward(quantizer.lookup(flat, codes.length, side));
  }

  public VqganDecoder decoder() {
    VqganDecoder d = decoder;
    if (d == null) {
      synchronized (this) {
        if (decoder == null) decoder = new VqganDecoder(checkpoint, config, gemm);
        d = decoder;
      }
    }
    return d;
  }
}
