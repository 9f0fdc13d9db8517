package org.lwm.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.core.cli.UserError;
import org.lwm.trainer.checkpoint.Checkpoint;
import org.lwm.core.tensors.Safetensors;
import org.lwm.trainer.cli.ModelCommand;
import org.lwm.trainer.model.ModelConfig;
import picocli.CommandLine;

/** The exact command shapes of {@code lwm model init|forward|loss-grad}, checked against the PyTorch reference. */
class ModelCommandTest {
  @TempDir Path tmp;

  static int run(String... args) {
    // parse with picocli, run the sub-command in place so a UserError reaches the test as the launcher would see it
    CommandLine.ParseResult parsed = new CommandLine(new ModelCommand()).parseArgs(args);
    ((Runnable) parsed.subcommand().commandSpec().userObject()).run();
    return 0;
  }

  @Test
  void initForwardAndLossGradAgreeWithPyTorch() throws Exception {
    Files.writeString(tmp.resolve("model.yaml"), String.join("\n", "model:", "  vocab_size: 50", "  vision_vocab_size: 20",
        "  hidden_size: 32", "  intermediate_size: 40", "  num_hidden_layers: 2", "  num_attention_heads: 4",
        "  num_key_value_heads: 1", "  rope_theta: 1000", ""));
    Path ckpt = tmp.resolve("ckpt");
    assertEquals(0, run("init", "--config", tmp.resolve("model.yaml").toString(), "--output", ckpt.toString(), "--seed", "3"));
    ModelConfig c = Checkpoint.readConfig(ckpt);
    assertEquals(1, c.kvHeads());
    assertEquals(20, c.visionVocabSize());
    // rows with only input_ids: one segment, positions 0…L−1, text, targets = inputs shifted
    Files.writeString(tmp.resolve("rows.jsonl"), "{\"input_ids\": [1, 5, 9, 13, 2, 7, 44, 3]}\n"
        + "{\"input_ids\": [4, 4, 8, 15, 16, 23, 42, 0], \"segment_ids\": [1,1,1,2,2,2,2,0], \"position_ids\": [0,1,2,0,1,2,3,0]}\n");
    Path ref = ReferenceTest.runReference(ckpt, tmp.resolve("rows.jsonl"), tmp.resolve("ref"));

    assertEquals(0, run("forward", "--checkpoint", ckpt.toString(), "--input", tmp.resolve("rows.jsonl").toString(),
        "--output", tmp.resolve("logits.npy").toString(), "--sp", "2", "--layout", "zigzag", "--query-chunk", "2", "--key-chunk", "3"));
    NpyFile ours = NpyFile.read(tmp.resolve("logits.npy")), theirs = NpyFile.read(ref.resolve("logits.npy"));
    assertArrayEquals(new int[] {2, 8, 50}, ours.shape());
    assertTrue(TestRows.relError(ours.data(), theirs.data(), 1e-6) < 1e-5);

    assertEquals(0, run("loss-grad", "--checkpoint", ckpt.toString(), "--input", tmp.resolve("rows.jsonl").toString(),
        "--output", tmp.resolve("grads.safetensors").toString(), "--sp", "4"));
    Safetensors.Contents g = Safetensors.read(tmp.resolve("grads.safetensors"));
    Safetensors.Contents r = Safetensors.read(ref.resolve("grads.safetensors"));
    double loss = Double.parseDouble(r.metadata().get("loss"));
    assertEquals(loss, Double.parseDouble(g.metadata().get("loss")), 1e-5 * loss);
    assertEquals(r.tensors().keySet(), g.tensors().keySet());
    for (Map.Entry<String, Safetensors.Tensor> e : r.tensors().entrySet()) {
      if (e.getKey().contains("vision")) continue; // text rows: zero in both
      double err = TestRows.relError(g.tensors().get(e.getKey()).data(), e.getValue().data(), 1e-7);
      assertTrue(err < 1e-4, e.getKey() + ": " + err);
    }
  }

  @Test
  void badInputsFailWithOneLineErrors() throws Exception {
    Path ckpt = tmp.resolve("ckpt");
    Checkpoint.write(ckpt, TestRows.model(1, 1e4));
    Files.writeString(tmp.resolve("rows.jsonl"), "{\"input_ids\": [1, 500, 2, 3]}\n");
    UserError e = org.junit.jupiter.api.Assertions.assertThrows(UserError.class, () -> run("forward", "--checkpoint",
        ckpt.toString(), "--input", tmp.resolve("rows.jsonl").toString(), "--output", tmp.resolve("x.npy").toString()));
    assertTrue(e.getMessage().contains("input id 500 is outside the text vocabulary of 61"), e.getMessage());
    e = org.junit.jupiter.api.Assertions.assertThrows(UserError.class, () -> run("forward", "--checkpoint",
        tmp.resolve("none").toString(), "--input", tmp.resolve("rows.jsonl").toString(), "--output", "x.npy"));
    assertTrue(e.getMessage().contains("no config.json"), e.getMessage());
    Files.writeString(tmp.resolve("odd.jsonl"), "{\"input_ids\": [1, 5, 2]}\n");
    e = org.junit.jupiter.api.Assertions.assertThrows(UserError.class, () -> run("loss-grad", "--checkpoint",
        ckpt.toString(), "--input", tmp.resolve("odd.jsonl").toString(), "--output", "g.safetensors", "--sp", "2"));
    assertTrue(e.getMessage().contains("use a length divisible by 2"), e.getMessage());
  }
}
