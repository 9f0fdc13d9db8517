package org.lwm.vqgan.model;

import java.util.Arrays;
import org.lwm.core.cli.UserError;
import org.lwm.vqgan.weights.Checkpoint;

/**
 * The VQGAN's shape (LWM's {@code VQGANConfig}, without attention, which LWM's model does not use): input
 * channels, base channels, per-level channel multipliers, ResNet blocks per level, latent channels, and the
 * codebook's size and width. {@link #lwm()} is LWM's; smaller ones run the same code in tests.
 */
public record VqganConfig(int inChannels, int hiddenChannels, int[] channelMult, int numResBlocks, int zChannels,
                          int numEmbeddings, int embedDim) implements java.io.Serializable {

  /** LWM's released VQGAN: 128 channels × (1, 2, 2, 4, 6), 2 blocks, 64-wide latents, 8192 codes. */
  public static VqganConfig lwm() {
    return new VqganConfig(3, 128, new int[] {1, 2, 2, 4, 6}, 2, 64, 8192, 64);
  }

  public int levels() {
    return channelMult.length;
  }

  /** Side of the code grid for an input of the given side: one halving per level but the last. */
  public int gridSize(int resolution) {
    return resolution >> (levels() - 1);
  }

  public int channels(int level) {
    return hiddenChannels * channelMult[level];
  }

  /** The architecture a checkpoint's tensors describe (levels, channels and blocks counted from their names). */
  public static VqganConfig of(Checkpoint ck) {
    int[] convIn = ck.shape("encoder/Conv_0/kernel");
    int hidden = convIn[3];
    int levels = 0;
    while (ck.has("encoder/DownsamplingBlock_" + levels + "/ResnetBlock_0/Conv_0/kernel")) levels++;
    if (levels == 0) throw new UserError("checkpoint " + ck.source() + " has no encoder/DownsamplingBlock_0: not an LWM VQGAN checkpoint");
    int[] mult = new int[levels];
    for (int i = 0; i < levels; i++) {
      int out = ck.shape("encoder/DownsamplingBlock_" + i + "/ResnetBlock_0/Conv_0/kernel")[3];
      if (out % hidden != 0) throw new UserError("checkpoint " + ck.source() + ": level " + i + " has " + out + " channels, not a multiple of " + hidden);
      mult[i] = out / hidden;
    }
    int blocks = 0;
    while (ck.has("encoder/DownsamplingBlock_0/ResnetBlock_" + blocks + "/Conv_0/kernel")) blocks++;
    int z = ck.shape("encoder/Conv_1/kernel")[3];
    int[] emb = ck.shape("quantize/embeddings");
    if (emb.length != 2) throw new UserError("checkpoint " + ck.source() + ": quantize/embeddings has shape " + Arrays.toString(emb) + ", expected [codes, width]");
    return new VqganConfig(convIn[2], hidden, mult, blocks, z, emb[0], emb[1]);
  }

  @Override
  public String toString() {
    return "VQGAN(" + hiddenChannels + "×" + Arrays.toString(channelMult) + ", " + numResBlocks + " blocks, z " + zChannels + ", codebook "
        + numEmbeddings + "×" + embedDim + ")";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VqganConfig v && v.inChannels == inChannels && v.hiddenChannels == hiddenChannels && Arrays.equals(v.channelMult, channelMult)
        && v.numResBlocks == numResBlocks && v.zChannels == zChannels && v.numEmbeddings == numEmbeddings && v.embedDim == embedDim;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(channelMult) * 31 + hiddenChannels * 17 + numEmbeddings;
  }
}
