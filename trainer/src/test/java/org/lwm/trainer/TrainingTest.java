package org.lwm.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.core.records.PackedRow;
import org.lwm.core.records.PackedRowJson;
import org.lwm.trainer.checkpoint.Checkpoint;
import org.lwm.trainer.model.ModelConfig;
import org.lwm.trainer.train.Schedule;
import org.lwm.trainer.train.StagedTraining;
import org.lwm.trainer.train.StepMetrics;
import org.lwm.trainer.train.TrainConfig;

/** Staged training: loss goes down, stages chain with growing θ, and a killed run resumes exactly. */
class TrainingTest {
  @TempDir Path tmp;

  /** Rows of a learnable pattern: each example counts up from a random start (mod 40). */
  static void writeRows(Path file, int n, int length, long seed) throws Exception {
    Random r = new Random(seed);
    try (BufferedWriter w = Files.newBufferedWriter(file)) {
      for (int i = 0; i < n; i++) {
        int[] in = new int[length], tg = new int[length], seg = new int[length], pos = new int[length];
        float[] wt = new float[length];
        int p = 0, s = 0;
        while (p < length) {
          int len = Math.min(length - p, 4 + r.nextInt(length / 2)), start = r.nextInt(40);
          s++;
          for (int j = 0; j < len; j++) {
            in[p + j] = 3 + (start + j) % 40;
            tg[p + j] = 3 + (start + j + 1) % 40;
            seg[p + j] = s;
            pos[p + j] = j;
            wt[p + j] = 1f / len;
          }
          p += len;
        }
        PackedRowJson.write(new PackedRow(i, in, tg, wt, new boolean[length], new boolean[length], seg, pos, new String[0]), w);
      }
    }
  }

  Path config(int steps1, int steps2, int checkpointEvery) throws Exception {
    writeRows(tmp.resolve("a.jsonl"), 6, 32, 1);
    writeRows(tmp.resolve("b.jsonl"), 4, 64, 2);
    Path cfg = tmp.resolve("train.yaml");
    Files.writeString(cfg, String.join("\n",
        "output: run",
        "seed: 5",
        "model: {vocab_size: 48, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2}",
        "parallel: {sp: 2, layout: zigzag, query_chunk: 8, key_chunk: 8}",
        "optimizer: {weight_decay: 0.1, clip: 1.0}",
        "checkpoint_every: " + checkpointEvery,
        "stages:",
        "  - {name: short, seq_len: 32, rope_theta: 10000, steps: " + steps1 + ", sequences_per_step: 4, micro_batch: 2,"
            + " lr: 1.0e-2, end_lr: 1.0e-3, warmup_steps: 2, schedule: cosine, data: {jsonl: a.jsonl}}",
        "  - {name: long, seq_len: 64, rope_theta: 100000, steps: " + steps2 + ", sequences_per_step: 2,"
            + " lr: 5.0e-3, schedule: constant, data: {jsonl: b.jsonl}}",
        ""));
    return cfg;
  }

  static StagedTraining training(Path cfg, ByteArrayOutputStream log) {
    TrainConfig c = TrainConfig.load(cfg);
    return new StagedTraining(c, stage -> org.lwm.trainer.data.StageRows.jsonLines(stage.jsonl()), new PrintStream(log, true));
  }

  @Test
  void trainsThroughStagesAndLearns() throws Exception {
    Path cfg = config(16, 3, 5);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    List<StepMetrics> m = training(cfg, log).run(null);
    assertEquals(19, m.size());
    double first = m.get(0).loss(), last = m.get(15).loss();
    assertTrue(last < first - 1.0, "loss should fall on a counting pattern: " + first + " → " + last + "\n" + log);
    ModelConfig longStage = Checkpoint.readConfig(tmp.resolve("run/long/final"));
    assertEquals(100000.0, longStage.ropeTheta());
    assertEquals(10000.0, Checkpoint.readConfig(tmp.resolve("run/short/final")).ropeTheta());
    List<String> lines = Files.readAllLines(tmp.resolve("run/metrics.jsonl"));
    assertEquals(19, lines.size());
    assertTrue(lines.get(0).contains("\"grad_norm\"") && lines.get(0).contains("\"tokens_per_s\""), lines.get(0));
    assertTrue(log.toString().contains("train short step 16/16"), log.toString());
    try (var left = Files.list(tmp.resolve("run/short"))) {
      assertEquals(List.of("final"), left.map(p -> p.getFileName().toString()).toList(), "a finished stage keeps only final/");
    }
    // a second run finds both stages finished
    assertEquals(0, training(cfg, new ByteArrayOutputStream()).run(null).size());
  }

  @Test
  void aKilledRunResumesWithTheSameLosses() throws Exception {
    Path cfg = config(7, 3, 2);
    List<StepMetrics> whole = training(cfg, new ByteArrayOutputStream()).run(null);
    org.lwm.trainer.train.StagedTrainingTestAccess.deleteTree(tmp.resolve("run"));
    // killed after 5 steps (latest checkpoint at step 4), then twice more mid-way into the second stage
    List<StepMetrics> resumed = new ArrayList<>(training(cfg, new ByteArrayOutputStream()).stopAfter(5).run(null));
    resumed.addAll(training(cfg, new ByteArrayOutputStream()).stopAfter(4).run(null));
    resumed.addAll(training(cfg, new ByteArrayOutputStream()).run(null));
    for (StepMetrics w : whole) {
      StepMetrics r = null;
      for (StepMetrics x : resumed) if (x.stage().equals(w.stage()) && x.step() == w.step()) r = x;
      assertTrue(r != null, "step " + w.stage() + "/" + w.step() + " never ran after resuming");
      assertEquals(w.loss(), r.loss(), 0.0, "loss of " + w.stage() + " step " + w.step());
      assertEquals(w.gradNorm(), r.gradNorm(), 0.0, "grad norm of " + w.stage() + " step " + w.step());
    }
  }

  @Test
  void scheduleWarmsUpThenDecays() {
    Schedule s = new Schedule("cosine", 1.0, 0.1, 2, 10);
    assertEquals(0.5, s.at(1), 1e-12);
    assertEquals(1.0, s.at(2), 1e-12);
    assertEquals(1.0, s.at(3), 1e-12);
    assertEquals(0.1, s.at(10), 1e-12);
    assertTrue(s.at(6) < 1.0 && s.at(6) > 0.1);
    assertEquals(1.0, new Schedule("constant", 1.0, 0, 0, 10).at(7), 0);
  }
}
