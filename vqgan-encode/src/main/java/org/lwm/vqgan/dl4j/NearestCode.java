package org.lwm.vqgan.dl4j;

import java.util.Map;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * LWM's VectorQuantizer as the graph's last layer: each latent vector (NCHW, width D) goes to the index of the
 * nearest codebook row by Euclidean distance, ‖e‖² − 2·z·e (‖z‖² is the same for every code and left out of the
 * argmin), the first on a tie. Out: [N, H·W] codes, row-major per image, as floats (exact below 2²⁴; DL4J layers
 * hand on floating-point activations). Parameter: {@code embeddings}, [codes, D].
 */
public final class NearestCode extends SameDiffLayer {
  public static final String EMBEDDINGS = "embeddings";

  private long codes;
  private long dim;
  private long height;
  private long width;

  /** For DL4J's JSON configuration. */
  public NearestCode() {}

  public NearestCode(String name, long codes) {
    setLayerName(name);
    this.codes = codes;
  }

  @Override
  public SDVariable defineLayer(SameDiff sd, SDVariable z, Map<String, SDVariable> params, SDVariable mask) {
    SDVariable e = params.get(EMBEDDINGS);
    SDVariable flat = sd.reshape(z.permute(0, 2, 3, 1), -1, dim); // [N·H·W, D], pixels in row-major order
    SDVariable dots = flat.mmul("dots", e, MMulTranspose.builder().transposeB(true).build()); // [N·H·W, codes]
    SDVariable norms = sd.reshape(e.mul(e).sum(1), 1, codes);
    SDVariable distance = norms.sub(dots.mul(2.0));
    SDVariable best = sd.argmin(distance, 1);
    return sd.reshape(best.castTo(DataType.FLOAT), -1, height * width);
  }

  @Override
  public void defineParameters(SDLayerParams params) {
    params.clear();
    params.addWeightParam(EMBEDDINGS, codes, dim);
  }

  @Override
  public void initializeParameters(Map<String, INDArray> params) {
    params.get(EMBEDDINGS).assign(0);
  }

  @Override
  public void setNIn(InputType inputType, boolean override) {
    InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) inputType;
    dim = c.getChannels();
    height = c.getHeight();
    width = c.getWidth();
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType inputType) {
    InputType.InputTypeConvolutional c = (InputType.InputTypeConvolutional) inputType;
    return InputType.feedForward(c.getHeight() * c.getWidth());
  }

  public long getCodes() {
    return codes;
  }

  public void setCodes(long codes) {
    this.codes = codes;
  }

  public long getDim() {
    return dim;
  }

  public void setDim(long dim) {
    this.dim = dim;
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
}
