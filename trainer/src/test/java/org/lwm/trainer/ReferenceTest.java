package org.lwm.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.core.records.PackedRow;
import org.lwm.core.records.PackedRowJson;
import org.lwm.core.records.SequenceLayout;
import org.lwm.trainer.checkpoint.Checkpoint;
import org.lwm.core.tensors.Safetensors;
import org.lwm.trainer.model.Parameters;
import org.lwm.trainer.model.SequenceParallel;

/**
 * The trainer against an independent float64 PyTorch implementation of LlamaForCausalLM semantics with LWM's
 * vision extension and the packed loss (src/test/resources/org/lwm/trainer/llama_reference.py), on the same
 * checkpoint and packed rows: text logits, the loss and every parameter gradient.
 */
class ReferenceTest {
  @TempDir Path tmp;

  static Path script() {
    return Path.of(System.getProperty("lwm.repo.root", "."), "trainer/src/test/resources/org/lwm/trainer/llama_reference.py");
  }

  /** Runs the PyTorch reference; fails loudly when python3 or torch is missing. */
  static Path runReference(Path ckpt, Path rows, Path out) throws Exception {
    Files.createDirectories(out);
    Path script = script();
    assertTrue(Files.exists(script), "reference script missing: " + script);
    Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), ckpt.toString(), rows.toString(), out.toString())
        .redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), "PyTorch reference failed (needs Debian python3-torch): " + log);
    return out;
  }

  static void writeRows(Path file, List<PackedRow> rows) throws Exception {
    try (BufferedWriter w = Files.newBufferedWriter(file)) {
      for (PackedRow r : rows) PackedRowJson.write(r, w);
    }
  }

  @Test
  void logitsLossAndEveryGradientMatchPyTorch() throws Exception {
    Parameters model = TestRows.model(7, 500.0);
    List<PackedRow> rows = TestRows.batch(11, 3, 24, model, true);
    Path ckpt = tmp.resolve("ckpt");
    Checkpoint.write(ckpt, model);
    writeRows(tmp.resolve("rows.jsonl"), rows);
    Path out = runReference(ckpt, tmp.resolve("rows.jsonl"), tmp.resolve("ref"));

    for (SequenceParallel.Options o : List.of(SequenceParallel.Options.dense(),
        new SequenceParallel.Options(2, SequenceLayout.ZIGZAG, 4, 4, 5))) {
      SequenceParallel.Result ours = SequenceParallel.run(model.config, Checkpoint.read(ckpt), rows, o, true, true);
      Safetensors.Contents ref = Safetensors.read(out.resolve("grads.safetensors"));
      double refLoss = Double.parseDouble(ref.metadata().get("loss"));
      assertEquals(refLoss, ours.loss(), 2e-5 * Math.abs(refLoss), "loss with " + o);
      assertEquals(Double.parseDouble(ref.metadata().get("text_loss")), ours.textLoss(), 2e-5 * refLoss);
      assertEquals(Double.parseDouble(ref.metadata().get("vision_loss")), ours.visionLoss(), 2e-5 * refLoss);
      assertTrue(ours.textWeight() > 0 && ours.visionWeight() > 0, "the rows must exercise both modalities");

      NpyFile logits = NpyFile.read(out.resolve("logits.npy"));
      assertArrayEquals(new int[] {3, 24, 61}, logits.shape());
      float[] flat = new float[logits.data().length];
      for (int i = 0; i < 3; i++) System.arraycopy(ours.textLogits()[i], 0, flat, i * 24 * 61, 24 * 61);
      double le = TestRows.relError(flat, logits.data(), 1e-6);
      assertTrue(le < 1e-5, "logits differ from PyTorch by " + le + " with " + o);

      for (Map.Entry<String, float[]> e : ours.grads().named().entrySet()) {
        Safetensors.Tensor r = ref.tensors().get(e.getKey());
        assertArrayEquals(r.shape(), ours.grads().shape(e.getKey()), e.getKey());
        assertTrue(TestRows.maxAbs(r.data()) > 0, "reference gradient of " + e.getKey() + " is zero: rows too simple");
        double err = TestRows.relError(e.getValue(), r.data(), 1e-6);
        assertTrue(err < 1e-4, "gradient of " + e.getKey() + " differs by " + err + " (relative) with " + o
            + ": ours " + TestRows.describe(e.getValue()) + " ref " + TestRows.describe(r.data()));
      }
    }
  }
}
