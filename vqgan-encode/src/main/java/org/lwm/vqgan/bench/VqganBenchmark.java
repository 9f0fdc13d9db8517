package org.lwm.vqgan.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.lwm.vqgan.dl4j.Dl4jVqgan;
import org.lwm.vqgan.model.Conv2d;
import org.lwm.vqgan.model.FeatureMap;
import org.lwm.vqgan.model.Parallel;
import org.lwm.vqgan.model.Vqgan;
import org.lwm.vqgan.model.VqganConfig;
import org.lwm.vqgan.model.VqganEngine;
import org.lwm.vqgan.weights.Checkpoint;
import org.lwm.vqgan.weights.RandomWeights;

/**
 * bench/vqgan.sh's Java side: LWM's full-size VQGAN encoder (seeded random weights) on random 256×256 frames.
 * {@code prepare DIR} writes the weights (safetensors) and the frames (raw float32) that both sides use;
 * {@code run DIR THREADS FRAMES BATCH [java|dl4j]} encodes them with that engine after one warm-up batch and prints
 * frames/s, GFLOP/s and writes the codes to DIR/codes-ENGINE.i32 (bench/vqgan.sh compares them with PyTorch's).
 */
public final class VqganBenchmark {
  private VqganBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args[0].equals("layers")) {
      layers(Integer.parseInt(args[1]));
      return;
    }
    Path dir = Path.of(args[1]);
    if (args[0].equals("prepare")) {
      int frames = Integer.parseInt(args[2]);
      Files.createDirectories(dir);
      // the encoder's tensors only; a codebook spread like the latents (Flax's ±1/8192 init makes nearly every
      // code a near-tie, so the two sides' codes could not be compared)
      java.util.Map<String, org.lwm.vqgan.weights.Tensor> enc = new java.util.TreeMap<>();
      RandomWeights.create(VqganConfig.lwm(), 42).tensors().forEach((k, v) -> {
        if (!k.startsWith("decoder/") && !k.startsWith("post_quant")) enc.put(k, v);
      });
      float[] e = enc.get("quantize/embeddings").data();
      SplittableRandom er = new SplittableRandom(2);
      for (int i = 0; i < e.length; i++) e[i] = (float) ((er.nextDouble() * 2 - 1) * 0.5);
      org.lwm.vqgan.weights.Checkpoint.writeSafetensors(dir.resolve("weights.safetensors"), enc);
      float[] px = new float[frames * 256 * 256 * 3];
      SplittableRandom r = new SplittableRandom(1);
      for (int i = 0; i < px.length; i++) px[i] = (float) (r.nextInt(256) / 127.5 - 1);
      ByteBuffer b = ByteBuffer.allocate(px.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(px);
      Files.write(dir.resolve("frames.f32"), b.array());
      return;
    }
    int threads = Integer.parseInt(args[2]);
    int frames = Integer.parseInt(args[3]);
    int batch = Integer.parseInt(args[4]);
    String engine = args.length > 5 ? args[5] : "java";
    Parallel.setThreads(threads);
    Checkpoint ck = Checkpoint.read(dir.resolve("weights.safetensors"));
    double gflop = new Vqgan(ck).encoder().flops(256) / 1e9;
    VqganEngine model;
    if (engine.equals("dl4j")) {
      Dl4jVqgan.setThreads(threads);
      model = new Dl4jVqgan(ck);
    } else {
      model = new Vqgan(ck);
    }
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(dir.resolve("frames.f32"))).order(ByteOrder.LITTLE_ENDIAN);
    float[] all = new float[b.remaining() / 4];
    b.asFloatBuffer().get(all);
    int per = 256 * 256 * 3;
    if (all.length / per < frames) throw new IllegalArgumentException("only " + all.length / per + " frames prepared");
    model.encode(slice(all, 0, Math.min(batch, frames)));  // warm-up: JIT, scratch buffers
    ByteBuffer codesOut = ByteBuffer.allocate(frames * 256 * 4).order(ByteOrder.LITTLE_ENDIAN);
    long t0 = System.nanoTime();
    for (int f = 0; f < frames; f += batch) {
      int n = Math.min(batch, frames - f);
      for (int[] codes : model.encode(slice(all, f, n))) for (int c : codes) codesOut.putInt(c);
    }
    double s = (System.nanoTime() - t0) / 1e9;
    Files.write(dir.resolve("codes-" + engine + ".i32"), codesOut.array());
    System.out.printf("%-7s threads=%d frames=%d batch=%d  %.3f frames/s  %.1f GFLOP/s effective  (%.1f GFLOP/frame as direct convolutions, %s)%n",
        engine, threads, frames, batch, frames / s, frames * gflop / s, gflop, model.describe());
  }

  /**
   * {@code layers THREADS}: one 3×3 stride-1 convolution of each of LWM's encoder shapes on one random frame,
   * timed alone (median of three 1-second runs) with whatever algorithm {@code Conv2d} picks in this JVM:
   * bench/vqgan.sh runs it once with Winograd off and once as configured.
   */
  private static void layers(int threads) {
    Parallel.setThreads(threads);
    int[][] shapes = {{256, 128, 128}, {128, 256, 256}, {64, 256, 256}, {32, 512, 512}, {16, 768, 768}};
    for (int[] shape : shapes) {
      int side = shape[0];
      int cin = shape[1];
      int cout = shape[2];
      SplittableRandom r = new SplittableRandom(side);
      float[] k = new float[9 * cin * cout];
      for (int i = 0; i < k.length; i++) k[i] = (float) (r.nextDouble() - 0.5);
      FeatureMap x = new FeatureMap(1, side, side, cin);
      for (int i = 0; i < x.data.length; i++) x.data[i] = (float) (r.nextDouble() - 0.5);
      Conv2d conv = new Conv2d(k, new float[cout], 3, 3, cin, cout, 1, Conv2d.Padding.SAME, org.lwm.core.numeric.Gemm.best());
      double[] ms = new double[3];
      for (int rep = 0; rep < ms.length; rep++) {
        long t0 = System.nanoTime();
        int n = 0;
        while (System.nanoTime() - t0 < 1_000_000_000L) {
          conv.forward(x);
          n++;
        }
        ms[rep] = (System.nanoTime() - t0) / 1e6 / n;
      }
      java.util.Arrays.sort(ms);
      System.out.printf("layer %3d² %3d→%3d  %-8s %6.1f ms  %5.0f GFLOP/s effective%n", side, cin, cout,
          conv.usesWinograd(side, side) ? "winograd" : "im2col", ms[1], conv.flops(side, side) / 1e6 / ms[1]);
    }
  }

  private static FeatureMap slice(float[] all, int from, int n) {
    int per = 256 * 256 * 3;
    float[] d = new float[n * per];
    System.arraycopy(all, from * per, d, 0, n * per);
    return new FeatureMap(n, 256, 256, 3, d);
  }
}
