package org.lwm.vqgan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.core.cli.UserError;
import org.lwm.vqgan.dl4j.Dl4jVqgan;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.lwm.vqgan.model.FeatureMap;
import org.lwm.core.numeric.Gemm;
import org.lwm.vqgan.model.Vqgan;
import org.lwm.vqgan.model.VqganConfig;
import org.lwm.vqgan.weights.Checkpoint;
import org.lwm.vqgan.weights.NumpyPickle;
import org.lwm.vqgan.weights.RandomWeights;
import org.lwm.vqgan.weights.Tensor;

/**
 * The Java VQGAN against an independent float64 PyTorch implementation of lwm/vqgan.py on random weights: a
 * small architecture (4 levels, 32…96 channels, 64×64 images, 512 codes) that runs every code path of
 * LWM's (channel changes with 1×1 shortcuts, stride-2 downsampling, nearest upsampling, GroupNorm+SiLU). The DL4J
 * engine (vqgan.engine=dl4j) is held to the same reference and to the Java engine's codes.
 */
class VqganReferenceTest {
  static final int N = 3;
  static final int SIZE = 64;
  static final int DIM = 16;
  @TempDir static Path dir;
  static Path ref;

  @BeforeAll
  static void reference() throws Exception {
    ref = dir.resolve("ref");
    ReferencePython.run(dir, "vqgan_reference.py", "--out", ref.toString(), "--seed", "7", "--n", String.valueOf(N), "--size", String.valueOf(SIZE),
        "--hidden", "32", "--mult", "1,2,2,3", "--blocks", "2", "--z", "16", "--codes", "512", "--dim", String.valueOf(DIM));
  }

  static FeatureMap images() throws Exception {
    return new FeatureMap(N, SIZE, SIZE, 3, ReferencePython.floats(ref.resolve("images.f32")));
  }

  @Test
  void codesLatentsAndDecodedImagesMatchTheFloat64Reference() throws Exception {
    Checkpoint ck = NumpyPickle.read(ref.resolve("weights.pkl"));
    Vqgan model = new Vqgan(ck);
    assertEquals(new VqganConfig(3, 32, new int[] {1, 2, 2, 3}, 2, 16, 512, DIM), model.config());

    FeatureMap x = images();
    FeatureMap z = model.encoder().forward(x);
    float[] want = ReferencePython.floats(ref.resolve("latents.f32"));
    assertEquals(want.length, z.data.length);
    double maxAbs = 0;
    double maxErr = 0;
    for (int i = 0; i < want.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(want[i]));
      maxErr = Math.max(maxErr, Math.abs(want[i] - z.data[i]));
    }
    assertTrue(maxErr <= 1e-4 * maxAbs, "latents differ by " + maxErr + " (largest value " + maxAbs + ")");

    int[][] codes = model.encode(x);
    int[] wantCodes = ReferencePython.ints(ref.resolve("codes.i32"));
    double[] gap = ReferencePython.doubles(ref.resolve("gap.f64"));
    double[] znorm = ReferencePython.doubles(ref.resolve("znorm.f64"));
    int grid = SIZE / 8;
    int compared = 0;
    for (int i = 0; i < N; i++) {
      assertEquals(grid * grid, codes[i].length);
      for (int p = 0; p < grid * grid; p++) {
        int k = i * grid * grid + p;
        boolean nearTie = gap[k] <= 1e-4 * Math.max(1.0, znorm[k]); // float32 cannot order two codes this close
        if (nearTie) continue;
        compared++;
        assertEquals(wantCodes[k], codes[i][p], "image " + i + " position " + p + " (distance gap " + gap[k] + ")");
      }
    }
    assertTrue(compared >= N * grid * grid - 2, "only " + compared + " of " + N * grid * grid + " codes were clear of near-ties");

    // the decoder, from the reference's codes
    int[][] refCodes = new int[N][grid * grid];
    for (int i = 0; i < N; i++) System.arraycopy(wantCodes, i * grid * grid, refCodes[i], 0, grid * grid);
    FeatureMap decoded = model.decode(refCodes, grid);
    float[] wantImages = ReferencePython.floats(ref.resolve("decoded.f32"));
    assertEquals(wantImages.length, decoded.data.length);
    double err = 0;
    for (int i = 0; i < wantImages.length; i++) err = Math.max(err, Math.abs(wantImages[i] - decoded.data[i]));
    assertTrue(err < 1e-4, "decoded images differ by " + err);
  }

  @Test
  void dl4jEngineGivesTheReferenceCodesAndTheJavaEngines() throws Exception {
    Checkpoint ck = NumpyPickle.read(ref.resolve("weights.pkl"));
    FeatureMap x = images();
    Dl4jVqgan engine = new Dl4jVqgan(ck);
    int[][] dl4j = engine.encode(x);
    // the latents before the codebook search, NCHW in the graph, against the reference's NHWC
    INDArray z = engine.graph(SIZE).feedForward(Dl4jVqgan.nchw(x), false).get("quant_conv").permute(0, 2, 3, 1).dup('c');
    float[] got = z.data().asFloat();
    float[] want = ReferencePython.floats(ref.resolve("latents.f32"));
    assertEquals(want.length, got.length);
    double maxAbs = 0;
    double maxErr = 0;
    for (int i = 0; i < want.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(want[i]));
      maxErr = Math.max(maxErr, Math.abs(want[i] - got[i]));
    }
    assertTrue(maxErr <= 1e-4 * maxAbs, "DL4J's latents differ by " + maxErr + " (largest value " + maxAbs + ")");
    int[][] java = new Vqgan(ck).encode(x);
    int[] wantCodes = ReferencePython.ints(ref.resolve("codes.i32"));
    double[] gap = ReferencePython.doubles(ref.resolve("gap.f64"));
    double[] znorm = ReferencePython.doubles(ref.resolve("znorm.f64"));
    int grid = SIZE / 8;
    int compared = 0;
    for (int i = 0; i < N; i++) {
      assertEquals(grid * grid, dl4j[i].length);
      for (int p = 0; p < grid * grid; p++) {
        int k = i * grid * grid + p;
        if (gap[k] <= 1e-4 * Math.max(1.0, znorm[k])) continue; // a near-tie: float32 cannot order the two codes
        compared++;
        assertEquals(wantCodes[k], dl4j[i][p], "image " + i + " position " + p + ": DL4J against the float64 reference (gap " + gap[k] + ")");
        assertEquals(java[i][p], dl4j[i][p], "image " + i + " position " + p + ": DL4J against the Java engine");
      }
    }
    assertTrue(compared >= N * grid * grid - 2, "only " + compared + " of " + N * grid * grid + " codes were clear of near-ties");
  }

  @Test
  void safetensorsHoldTheSameTreeAsThePickle() throws Exception {
    Checkpoint pkl = NumpyPickle.read(ref.resolve("weights.pkl"));
    Checkpoint st = Checkpoint.read(ref.resolve("weights.safetensors"));
    assertEquals(pkl.tensors().keySet(), st.tensors().keySet());
    for (Map.Entry<String, Tensor> e : pkl.tensors().entrySet()) {
      assertArrayEquals(e.getValue().shape(), st.tensors().get(e.getKey()).shape(), e.getKey());
      assertArrayEquals(e.getValue().data(), st.tensors().get(e.getKey()).data(), e.getKey());
    }
    // the tree the Java model builds from names its own seeded weights the same way
    assertEquals(pkl.tensors().keySet(), RandomWeights.create(VqganConfig.of(pkl), 1).tensors().keySet());
  }

  @Test
  void picklesOfOtherProtocolsReadTheSame() throws Exception {
    Checkpoint p4 = NumpyPickle.read(ref.resolve("weights.pkl"));
    for (String protocol : new String[] {"2", "5"}) {
      Path out = dir.resolve("p" + protocol);
      ReferencePython.run(dir, "vqgan_reference.py", "--out", out.toString(), "--seed", "7", "--n", "1", "--size", "8", "--no-decode",
          "--hidden", "32", "--mult", "1,2,2,3", "--blocks", "2", "--z", "16", "--codes", "512", "--dim", String.valueOf(DIM), "--protocol", protocol);
      Checkpoint other = Checkpoint.read(out.resolve("weights.pkl"));
      assertEquals(p4.tensors().keySet(), other.tensors().keySet(), "protocol " + protocol);
      for (String name : p4.tensors().keySet()) assertArrayEquals(p4.tensors().get(name).data(), other.tensors().get(name).data(), name);
    }
  }

  @Test
  void plainJavaKernelGivesTheSameCodes() throws Exception {
    Checkpoint ck = Checkpoint.read(ref.resolve("weights.safetensors"));
    FeatureMap x = images();
    int[][] fast = new Vqgan(ck).encode(x);
    Gemm plain = Gemm.plainJava();
    int[][] slow = new Vqgan(ck, plain).encode(x);
    int same = 0;
    int total = 0;
    for (int i = 0; i < N; i++) for (int p = 0; p < fast[i].length; p++, total++) if (fast[i][p] == slow[i][p]) same++;
    assertTrue(same >= total - 2, same + " of " + total + " codes agree between " + Gemm.best().name() + " and " + plain.name());
  }

  @Test
  void missingOrMisShapedTensorsAreOneLineErrorsNamingTheTensor() throws Exception {
    Checkpoint ck = NumpyPickle.read(ref.resolve("weights.pkl"));
    Map<String, Tensor> t = new java.util.TreeMap<>(ck.tensors());
    t.remove("encoder/DownsamplingBlock_1/ResnetBlock_0/Conv_2/kernel");
    UserError missing = assertThrows(UserError.class, () -> new Vqgan(new Checkpoint("cut.pkl", t)));
    assertTrue(missing.getMessage().contains("'encoder/DownsamplingBlock_1/ResnetBlock_0/Conv_2/kernel'"), missing.getMessage());
    t.putAll(ck.tensors());
    t.put("quant_conv/bias", new Tensor("quant_conv/bias", new int[] {3}, new float[3]));
    Path bad = dir.resolve("bad.safetensors");
    Checkpoint.writeSafetensors(bad, t);
    UserError shape = assertThrows(UserError.class, () -> new Vqgan(Checkpoint.read(bad)));
    assertTrue(shape.getMessage().contains("'quant_conv/bias' has shape [3], expected [16]"), shape.getMessage());
    Path text = dir.resolve("notes.pkl");
    Files.writeString(text, "not a checkpoint");
    UserError neither = assertThrows(UserError.class, () -> Checkpoint.read(text));
    assertTrue(neither.getMessage().contains("neither a pickle nor a safetensors"), neither.getMessage());
  }

}
