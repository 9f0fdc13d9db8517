package org.lwm.vqgan.dl4j;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.lwm.vqgan.model.VqganConfig;
import org.lwm.vqgan.weights.Checkpoint;
import org.lwm.vqgan.weights.Tensor;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * LWM's VQGAN encoder and quantiser as a DL4J {@link ComputationGraph} on NCHW maps (DL4J's and oneDNN's
 * native layout; the checkpoint and the Java engine are NHWC): conv_in → per level, ResNet blocks (GroupNorm+SiLU,
 * 3×3 conv, GroupNorm+SiLU, 3×3 conv, plus the input or its 1×1 {@code Conv_2} as an {@link ElementWiseVertex})
 * and, but for the last level, the downsample (zero-pad bottom and right by one, then a VALID stride-2 3×3 conv)
 * → mid block → GroupNorm+SiLU, 3×3 conv → 1×1 {@code quant_conv} → {@link NearestCode}. Vertices are named by
 * the checkpoint's Flax paths with '/' as '.'; the weights come from the same {@link Checkpoint} as the Java
 * engine's, kernels turned from Flax's HWIO into DL4J's OIHW. One graph per input side (the group reshapes fix it).
 */
public final class VqganGraph {
  public static final String INPUT = "images";
  public static final String OUTPUT = "quantize";

  private VqganGraph() {}

  /** The graph with the checkpoint's weights, for square RGB inputs of side {@code size}. */
  public static ComputationGraph build(Checkpoint ck, int size) {
    VqganConfig c = VqganConfig.of(ck);
    if (size % (1 << (c.levels() - 1)) != 0) throw new IllegalArgumentException("image side " + size + " is not a multiple of " + (1 << (c.levels() - 1)));
    ComputationGraph g = new ComputationGraph(configuration(c, size));
    g.init();
    load(g, ck, c);
    return g;
  }

  /** The architecture alone (what DL4J's Spark functions rebuild on each executor from JSON). */
  public static ComputationGraphConfiguration configuration(VqganConfig c, int size) {
    ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
        .dataType(DataType.FLOAT)
        .weightInit(WeightInit.ZERO) // every weight is overwritten from the checkpoint: skip the random init
        .graphBuilder()
        .addInputs(INPUT)
        .setInputTypes(InputType.convolutional(size, size, c.inChannels(), CNN2DFormat.NCHW));
    String e = "encoder/";
    String h = conv(g, e + "Conv_0", INPUT, 3, c.inChannels(), c.hiddenChannels(), 1);
    int ch = c.hiddenChannels();
    for (int i = 0; i < c.levels(); i++) {
      String level = e + "DownsamplingBlock_" + i;
      for (int j = 0; j < c.numResBlocks(); j++) {
        h = resnet(g, level + "/ResnetBlock_" + j, h, ch, c.channels(i));
        ch = c.channels(i);
      }
      if (i != c.levels() - 1) {
        String p = name(level + "/Downsample_0/pad");
        g.addLayer(p, new ZeroPaddingLayer.Builder(0, 1, 0, 1).dataFormat(CNN2DFormat.NCHW).build(), h);
        h = conv(g, level + "/Downsample_0/Conv_0", p, 3, ch, ch, 2);
      }
    }
    h = resnet(g, e + "MidBlock_0/ResnetBlock_0", h, ch, ch);
    h = resnet(g, e + "MidBlock_0/ResnetBlock_1", h, ch, ch);
    h = norm(g, e + "GroupNorm_0", h);
    h = conv(g, e + "Conv_1", h, 3, ch, c.zChannels(), 1);
    h = conv(g, "quant_conv", h, 1, c.zChannels(), c.embedDim(), 1);
    g.addLayer(OUTPUT, new NearestCode(OUTPUT, c.numEmbeddings()), h);
    return g.setOutputs(OUTPUT).build();
  }

  private static String resnet(ComputationGraphConfiguration.GraphBuilder g, String path, String x, int cin, int cout) {
    String h = norm(g, path + "/GroupNorm_0", x);
    h = conv(g, path + "/Conv_0", h, 3, cin, cout, 1);
    h = norm(g, path + "/GroupNorm_1", h);
    h = conv(g, path + "/Conv_1", h, 3, cout, cout, 1);
    String shortcut = cin == cout ? x : conv(g, path + "/Conv_2", x, 1, cin, cout, 1);
    String sum = name(path + "/add");
    g.addVertex(sum, new ElementWiseVertex(ElementWiseVertex.Op.Add), h, shortcut);
    return sum;
  }

  /** SAME convolution at stride 1 (Flax's default: (k−1)/2 each side); VALID at stride 2 after the explicit pad. */
  private static String conv(ComputationGraphConfiguration.GraphBuilder g, String path, String in, int k, int cin, int cout, int stride) {
    String n = name(path);
    g.addLayer(n, new ConvolutionLayer.Builder(k, k).stride(stride, stride).nIn(cin).nOut(cout)
        .convolutionMode(stride == 1 ? ConvolutionMode.Same : ConvolutionMode.Truncate)
        .activation(Activation.IDENTITY).hasBias(true).dataFormat(CNN2DFormat.NCHW).build(), in);
    return n;
  }

  private static String norm(ComputationGraphConfiguration.GraphBuilder g, String path, String in) {
    String n = name(path);
    g.addLayer(n, new GroupNormSilu(n, true), in);
    return n;
  }

  static String name(String flaxPath) {
    return flaxPath.replace('/', '.');
  }

  /** Every parameter of the graph from the checkpoint, by its Flax path; every shape checked by the checkpoint. */
  private static void load(ComputationGraph g, Checkpoint ck, VqganConfig c) {
    for (org.deeplearning4j.nn.api.Layer layer : g.getLayers()) {
      String n = layer.conf().getLayer().getLayerName();
      String path = n.replace('.', '/');
      if (layer.conf().getLayer() instanceof ConvolutionLayer conv) {
        int k = (int) conv.getKernelSize()[0];
        int cin = (int) conv.getNIn();
        int cout = (int) conv.getNOut();
        Tensor kernel = ck.get(path + "/kernel", k, k, cin, cout);
        INDArray hwio = Nd4j.create(kernel.data(), new long[] {k, k, cin, cout}, 'c');
        layer.getParam(ConvolutionParamInitializer.WEIGHT_KEY).assign(hwio.permute(3, 2, 0, 1)); // HWIO → OIHW
        set(layer, ConvolutionParamInitializer.BIAS_KEY, ck.get(path + "/bias", cout));
      } else if (layer.conf().getLayer() instanceof GroupNormSilu gn) {
        int ch = (int) gn.getChannels();
        set(layer, GroupNormSilu.SCALE, ck.get(path + "/scale", ch));
        set(layer, GroupNormSilu.BIAS, ck.get(path + "/bias", ch));
      } else if (layer.conf().getLayer() instanceof NearestCode) {
        set(layer, NearestCode.EMBEDDINGS, ck.get("quantize/embeddings", c.numEmbeddings(), c.embedDim()));
      }
    }
  }

  private static void set(org.deeplearning4j.nn.api.Layer layer, String key, Tensor t) {
    INDArray p = layer.getParam(key);
    p.assign(Nd4j.create(t.data(), p.shape(), 'c'));
  }
}
