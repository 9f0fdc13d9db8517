package org.lwm.vqgan.dl4j;

import java.util.Map;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Flax's {@code nn.GroupNorm()} as LWM uses it (32 groups, ε = 1e-6, per-channel scale and bias) followed by SiLU,
 * as a DL4J {@link SameDiffLayer} on NCHW maps: DL4J has no group normalisation of its own (its
 * {@code LayerNormalization} normalises per channel-less row, its {@code BatchNormalization} over the batch).
 * Statistics per image over the group's channels and all pixels, the biased variance of the centred values.
 * Parameters: {@code scale} and {@code bias}, [1, C] each. The map's side is fixed when the graph is built
 * (DL4J passes the input type to {@link #setNIn}), which lets the reshape to groups keep the batch dimension free.
 */
public final class GroupNormSilu extends SameDiffLayer {
  public static final String SCALE = "scale";
  public static final String BIAS = "bias";
  public static final int GROUPS = 32;
  public static final double EPSILON = 1e-6;

  private long channels;
  private long height;
  private long width;
  private boolean silu = true;

  /** For DL4J's JSON configuration (the Spark job rebuilds the graph from it on every executor). */
  public GroupNormSilu() {}

  public GroupNormSilu(String name, boolean silu) {
    setLayerName(name);
    this.silu = silu;
  }

  @Override
  public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> params, SDVariable mask) {
    long perGroup = channels / GROUPS * height * width;
    SDVariable g = sd.reshape(x, -1, GROUPS, perGroup);
    SDVariable centred = g.sub(g.mean(true, 2));
    SDVariable variance = centred.mul(centred).mean(true, 2);
    SDVariable normed = centred.div(sd.math().sqrt(variance.add(EPSILON)));
    SDVariable y = sd.reshape(normed, -1, channels, height, width)
        .mul(sd.reshape(params.get(SCALE), 1, channels, 1, 1))
        .add(sd.reshape(params.get(BIAS), 1, channels, 1, 1));
    return silu ? y.mul(sd.nn().sigmoid(y)) : y;
  }

  @Override
  public void defineParameters(SDLayerParams params) {
    params.clear();
    params.addWeightParam(SCALE, 1, channels);
    params.addBiasParam(BIAS, 1, channels);
  }

  @Override
  public void initializeParameters(Map<String, INDArray> params) {
    params.get(SCALE).assign(1);
    params.get(BIAS).assign(0);
  }

  @Override
  public void setNIn(InputType inputType, boolean override) {
    InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) inputType;
    if (c.getChannels() % GROUPS != 0) throw new IllegalArgumentException(c.getChannels() + " channels do not split into " + GROUPS + " groups");
    channels = c.getChannels();
    height = c.getHeight();
    width = c.getWidth();
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType inputType) {
    return inputType;
  }

  public long getChannels() {
    return channels;
  }

  public void setChannels(long channels) {
    this.channels = channels;
  }

  public long getHeight() {
    return height;
  }

  public void setHeight(long height) {
    this.height = height;
  }

  public long getWidth() {
    return width;
  }

  public void setWidth(long width) {
    this.width = width;
  }

  public boolean isSilu() {
    return silu;
  }

  public void setSilu(boolean silu) {
    this.silu = silu;
  }
}
