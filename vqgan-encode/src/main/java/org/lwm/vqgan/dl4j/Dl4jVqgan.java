package org.lwm.vqgan.dl4j;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.lwm.vqgan.model.FeatureMap;
import org.lwm.vqgan.model.VqganConfig;
import org.lwm.vqgan.model.VqganEngine;
import org.lwm.vqgan.weights.Checkpoint;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The DL4J engine on one machine ({@code lwm vqgan encode} with {@code vqgan.engine=dl4j}, tests, the benchmark):
 * {@link VqganGraph} per input side, fed NCHW copies of the NHWC frames. The Spark job does not use this class:
 * there DL4J's own {@code SparkComputationGraph} rebuilds the graph on each executor ({@link Dl4jEncodeVideos}).
 */
public final class Dl4jVqgan implements VqganEngine {
  private final Checkpoint checkpoint;
  private final VqganConfig config;
  private final Map<Integer, ComputationGraph> graphs = new ConcurrentHashMap<>();

  public Dl4jVqgan(Checkpoint checkpoint) {
    this.checkpoint = checkpoint;
    this.config = VqganConfig.of(checkpoint);
  }

  /** ND4J's threads (its OpenMP loops and OpenBLAS) for this JVM; like {@code lwm.vqgan.threads} for the Java engine. */
  public static void setThreads(int threads) {
    Nd4j.getEnvironment().setMaxThreads(threads);
    Nd4j.getEnvironment().setMaxMasterThreads(threads);
    Nd4j.factory().blas().setMaxThreads(threads);
  }

  public ComputationGraph graph(int size) {
    return graphs.computeIfAbsent(size, s -> VqganGraph.build(checkpoint, s));
  }

  @Override
  public synchronized int[][] encode(FeatureMap images) {
    if (images.h != images.w) throw new IllegalArgumentException("images must be square, got " + images.h + "x" + images.w);
    INDArray out = graph(images.h).outputSingle(false, nchw(images));
    return codes(out);
  }

  @Override
  public String describe() {
    return "dl4j engine, " + config + ", ND4J " + Nd4j.getExecutioner().getEnvironmentInformation().getProperty("blas.vendor") + " backend, "
        + Nd4j.getEnvironment().maxThreads() + " threads";
  }

  /** NHWC floats as an NCHW array (a copy: DL4J's convolutions want their own layout contiguous). */
  public static INDArray nchw(FeatureMap images) {
    return Nd4j.create(images.data, new long[] {images.n, images.h, images.w, images.c}, 'c').permute(0, 3, 1, 2).dup('c');
  }

  /** The graph's [N, H·W] float codes as int grids. */
  public static int[][] codes(INDArray out) {
    int n = (int) out.size(0);
    int per = (int) out.size(1);
    float[] flat = out.dup('c').data().asFloat();
    int[][] codes = new int[n][per];
    for (int i = 0; i < n; i++) for (int p = 0; p < per; p++) codes[i][p] = (int) flat[i * per + p];
    return codes;
  }
}
