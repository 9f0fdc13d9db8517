package org.lwm.trainer.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;
import org.lwm.core.cli.UserError;
import org.lwm.core.records.PackedRow;
import org.lwm.trainer.checkpoint.Checkpoint;
import org.lwm.core.tensors.Safetensors;
import org.lwm.trainer.data.TrainingRows;
import org.lwm.trainer.model.ModelConfig;
import org.lwm.trainer.model.Parameters;
import org.lwm.trainer.model.SequenceParallel;

/**
 * Runs the stages of a {@link TrainConfig} in order. A stage starts from the previous stage's final checkpoint
 * (the first from {@code model.checkpoint} or a seeded initialisation) with the stage's RoPE θ; each step
 * takes {@code sequences_per_step} rows in a seeded per-epoch order, runs them in micro-batches on the ring
 * (gradient accumulation, loss normalised over the whole step's batch), clips, and applies AdamW.
 *
 * <p>Layout under {@code output}: {@code metrics.jsonl}; {@code <stage>/checkpoint-<step>/} (HF checkpoint +
 * {@code optimizer.safetensors} + {@code trainer_state.json} with step and data cursor) every
 * {@code checkpoint_every} steps; {@code <stage>/final/} when the stage is done. A run killed mid-stage resumes
 * from the latest checkpoint and repeats the same losses; finished stages are skipped.
 */
public final class StagedTraining {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final TrainConfig config;
  private final Function<TrainConfig.Stage, TrainingRows> data;
  private final PrintStream progress;
  /** For tests: stop (as if killed) after this many steps of this run; 0 = never. */
  private int stopAfterSteps;

  public StagedTraining(TrainConfig config, Function<TrainConfig.Stage, TrainingRows> data, PrintStream progress) {
    this.config = config;
    this.data = data;
    this.progress = progress;
  }

  public StagedTraining stopAfter(int steps) {
    this.stopAfterSteps = steps;
    return this;
  }

  public Path finalCheckpoint(String stage) {
    return config.output().resolve(stage).resolve("final");
  }

  /** Runs from {@code startStage} (null: the first unfinished one) to the end; returns this run's step metrics. */
  public List<StepMetrics> run(String startStage) {
    int from = startStage == null ? 0 : config.stageIndex(startStage);
    List<StepMetrics> all = new ArrayList<>();
    int stepsThisRun = 0;
    for (int si = from; si < config.stages().size(); si++) {
      TrainConfig.Stage stage = config.stages().get(si);
      if (Files.exists(finalCheckpoint(stage.name()).resolve(Checkpoint.WEIGHTS))) {
        progress.println("train " + stage.name() + ": already finished (" + finalCheckpoint(stage.name()) + ")");
        continue;
      }
      TrainingRows rows = data.apply(stage);
      for (int i = 0; i < rows.size(); i++) {
        if (rows.row(i).length() != stage.seqLen()) {
          throw new UserError(rows.describe() + ": row " + rows.row(i).seqId() + " has " + rows.row(i).length()
              + " positions, stage " + stage.name() + " has seq_len " + stage.seqLen() + ": pack the stage at that length");
        }
      }
      State state = start(si, stage);
      ModelConfig cfg = state.params.config;
      progress.printf("train %s: L=%d θ=%.3g, %d steps × %d sequences (micro-batch %d), sp=%d %s, %s (%d rows), from %s%n",
          stage.name(), stage.seqLen(), stage.ropeTheta(), stage.steps(), stage.sequencesPerStep(), stage.microBatch(),
          config.parallel().sp(), config.parallel().layout().name().toLowerCase(), rows.describe(), rows.size(), state.from);
      while (state.opt.step < stage.steps()) {
        if (stopAfterSteps > 0 && stepsThisRun >= stopAfterSteps) return all;
        StepMetrics m = step(stage, cfg, state, rows);
        stepsThisRun++;
        all.add(m);
        progress.println(m.progressLine());
        appendMetrics(m);
        if (state.opt.step % config.checkpointEvery() == 0 && state.opt.step < stage.steps()) save(stage, state);
      }
      writeFinal(stage, state);
    }
    return all;
  }

  /** Parameters, optimizer and cursor of a stage: resumed, or fresh from the previous stage. */
  private static final class State {
    Parameters params;
    AdamW opt;
    long cursor;
    String from;
  }

  private State start(int si, TrainConfig.Stage stage) {
    State s = new State();
    Path latest = latestCheckpoint(stage.name());
    if (latest != null) {
      s.params = Checkpoint.read(latest);
      s.opt = newOptimizer(s.params);
      Safetensors.Contents o = Safetensors.read(latest.resolve("optimizer.safetensors"));
      for (Map.Entry<String, float[]> e : s.opt.m.named().entrySet()) {
        System.arraycopy(o.tensors().get("exp_avg." + e.getKey()).data(), 0, e.getValue(), 0, e.getValue().length);
      }
      for (Map.Entry<String, float[]> e : s.opt.v.named().entrySet()) {
        System.arraycopy(o.tensors().get("exp_avg_sq." + e.getKey()).data(), 0, e.getValue(), 0, e.getValue().length);
      }
      JsonNode st = readJson(latest.resolve("trainer_state.json"));
      s.opt.step = st.get("step").asLong();
      s.cursor = st.get("cursor").asLong();
      s.from = latest + " (resumed at step " + s.opt.step + ")";
      return s;
    }
    Parameters start;
    if (si > 0) {
      Path prev = finalCheckpoint(config.stages().get(si - 1).name());
      if (!Files.exists(prev.resolve(Checkpoint.WEIGHTS))) {
        throw new UserError("stage " + stage.name() + " starts from stage " + config.stages().get(si - 1).name()
            + "'s final checkpoint, which does not exist (" + prev + "): run that stage first");
      }
      start = Checkpoint.read(prev);
      s.from = prev.toString();
    } else if (config.initCheckpoint() != null) {
      start = Checkpoint.read(config.initCheckpoint());
      s.from = config.initCheckpoint().toString();
    } else {
      start = Parameters.init(config.initModel(), config.seed());
      s.from = "a new model (seed " + config.seed() + ", " + String.format("%,d", config.initModel().parameterCount()) + " parameters)";
    }
    // the stage's θ and length go into the model config (and so into config.json of its checkpoints)
    ModelConfig cfg = start.config.withRopeTheta(stage.ropeTheta())
        .withMaxPositions(Math.max(start.config.maxPositions(), stage.seqLen()));
    s.params = Parameters.zeros(cfg);
    s.params.copyFrom(start);
    s.opt = newOptimizer(s.params);
    return s;
  }

  private AdamW newOptimizer(Parameters p) {
    return new AdamW(p, config.beta1(), config.beta2(), config.eps(), config.weightDecay());
  }

  private String permKey;
  private int[] perm;

  /** Row order: a seeded permutation per (stage, epoch); the cursor counts rows consumed in the stage. */
  private PackedRow rowAt(TrainConfig.Stage stage, TrainingRows rows, long cursor) {
    int n = rows.size();
    long epoch = cursor / n;
    String key = stage.name() + "/" + epoch;
    if (!key.equals(permKey)) {
      SplittableRandom r = new SplittableRandom(config.seed() * 0x9E3779B97F4A7C15L ^ stage.name().hashCode() * 31L ^ epoch);
      perm = new int[n];
      for (int i = 0; i < n; i++) perm[i] = i;
      for (int i = n - 1; i > 0; i--) {
        int j = r.nextInt(i + 1), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
      }
      permKey = key;
    }
    return rows.row(perm[(int) (cursor % n)]);
  }

  private StepMetrics step(TrainConfig.Stage stage, ModelConfig cfg, State s, TrainingRows rows) {
    long t0 = System.nanoTime();
    List<PackedRow> batch = new ArrayList<>();
    for (int i = 0; i < stage.sequencesPerStep(); i++) batch.add(rowAt(stage, rows, s.cursor + i));
    double[] sums = SequenceParallel.weightSums(batch);
    if (sums[0] <= 0 && sums[1] <= 0) {
      throw new UserError(rows.describe() + ": a batch of stage " + stage.name() + " has no loss weight at all: check the packer's loss_weight");
    }
    Parameters grads = null;
    double loss = 0, text = 0, vision = 0;
    for (int m0 = 0; m0 < batch.size(); m0 += stage.microBatch()) {
      SequenceParallel.Result r = SequenceParallel.run(cfg, s.params, batch.subList(m0, m0 + stage.microBatch()), sums,
          config.parallel(), true, false);
      loss += r.loss();
      text += r.textLoss();
      vision += r.visionLoss();
      if (grads == null) grads = r.grads(); else grads.addFrom(r.grads());
    }
    double norm = AdamW.clip(grads, config.clip());
    double lr = stage.schedule().at((int) s.opt.step + 1);
    s.opt.update(s.params, grads, lr);
    s.cursor += batch.size();
    long tokens = (long) batch.size() * stage.seqLen();
    return new StepMetrics(stage.name(), (int) s.opt.step, stage.steps(), loss, text, vision, sums[0] > 0, sums[1] > 0, lr,
        norm, tokens, (System.nanoTime() - t0) / 1e9);
  }

  private void appendMetrics(StepMetrics m) {
    try {
      Files.createDirectories(config.output());
      Files.writeString(config.output().resolve("metrics.jsonl"), m.toJson() + "\n", StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void save(TrainConfig.Stage stage, State s) {
    Path dir = config.output().resolve(stage.name()).resolve("checkpoint-" + s.opt.step);
    Path tmp = dir.resolveSibling(dir.getFileName() + ".tmp");
    try {
      deleteTree(tmp);
      Checkpoint.write(tmp, s.params);
      Map<String, Safetensors.Tensor> opt = new LinkedHashMap<>();
      s.opt.m.named().forEach((n, a) -> opt.put("exp_avg." + n, new Safetensors.Tensor(s.params.shape(n), a)));
      s.opt.v.named().forEach((n, a) -> opt.put("exp_avg_sq." + n, new Safetensors.Tensor(s.params.shape(n), a)));
      Safetensors.write(tmp.resolve("optimizer.safetensors"), opt, Map.of("step", Long.toString(s.opt.step)));
      ObjectNode st = JSON.createObjectNode();
      st.put("stage", stage.name());
      st.put("step", s.opt.step);
      st.put("cursor", s.cursor);
      st.put("seed", config.seed());
      Files.writeString(tmp.resolve("trainer_state.json"), JSON.writeValueAsString(st));
      deleteTree(dir);
      Files.move(tmp, dir);
      // keep only the newest checkpoint of the stage
      try (Stream<Path> old = Files.list(dir.getParent())) {
        for (Path p : old.filter(p -> p.getFileName().toString().startsWith("checkpoint-") && !p.equals(dir)).toList()) {
          deleteTree(p);
        }
      }
    } catch (IOException e) {
      throw new UserError("cannot write checkpoint " + dir + ": " + e.getMessage());
    }
  }

  private void writeFinal(TrainConfig.Stage stage, State s) {
    Path fin = finalCheckpoint(stage.name());
    try {
      Path tmp = fin.resolveSibling("final.tmp");
      deleteTree(tmp);
      Checkpoint.write(tmp, s.params);
      Files.writeString(tmp.resolve("trainer_state.json"),
          "{\"stage\":\"" + stage.name() + "\",\"step\":" + s.opt.step + ",\"cursor\":" + s.cursor + ",\"done\":true}");
      deleteTree(fin);
      Files.move(tmp, fin);
      // the stage is done: its resumable checkpoints are no longer needed
      try (Stream<Path> old = Files.list(fin.getParent())) {
        for (Path p : old.filter(p -> p.getFileName().toString().startsWith("checkpoint-")).toList()) deleteTree(p);
      }
    } catch (IOException e) {
      throw new UserError("cannot write checkpoint " + fin + ": " + e.getMessage());
    }
    progress.println("train " + stage.name() + ": done → " + fin);
  }

  private Path latestCheckpoint(String stage) {
    Path dir = config.output().resolve(stage);
    if (!Files.isDirectory(dir)) return null;
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().matches("checkpoint-\\d+"))
          .filter(p -> Files.exists(p.resolve("trainer_state.json")))
          .max(Comparator.comparingLong(p -> Long.parseLong(p.getFileName().toString().substring(11)))).orElse(null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonNode readJson(Path p) {
    try {
      return JSON.readTree(p.toFile());
    } catch (IOException e) {
      throw new UserError(p + ": unreadable (" + e.getMessage() + ")");
    }
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) return;
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(x);
    }
  }
}
