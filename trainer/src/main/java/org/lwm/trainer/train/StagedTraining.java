package org.lwm.trainer.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.cli.UserError;
import org.lwm.packing.read.PackedReader;
import org.lwm.packing.read.PackedRowFile;
import org.lwm.trainer.data.StageRows;
import org.lwm.trainer.runtime.BarrierLauncher;
import org.lwm.core.spark.Hadoop;
import org.lwm.trainer.runtime.Launcher;
import org.lwm.trainer.runtime.RunDirectory;
import org.lwm.trainer.runtime.Segment;
import org.lwm.trainer.runtime.ThreadLauncher;

/**
 * Runs the stages of a {@link TrainConfig} in order, on the driver. A stage starts from the previous stage's final
 * checkpoint (the first from {@code model.checkpoint} or a seeded initialisation) with the stage's RoPE θ. Its rows
 * are copied once into the run directory ({@code rows/<stage>.lwmrows}); then the stage runs as {@link Segment}s
 * of {@code checkpoint_every} steps, each launched on all dp × sp ranks ({@link Launcher}: threads with a local
 * master, a Spark barrier stage otherwise) and ending with a complete checkpoint written by rank 0. A segment whose
 * gang fails is rerun from its start checkpoint, up to {@code parallel.attempts} times, so the losses are those of
 * an uninterrupted run.
 *
 * <p>Under {@code output}: {@code metrics.jsonl}; {@code <stage>/checkpoint-<step>/} (the newest only);
 * {@code <stage>/final/} when the stage is done. A run killed mid-stage resumes from the latest complete
 * checkpoint and repeats the same losses; finished stages are skipped.
 */
public final class StagedTraining {
  private final TrainConfig config;
  private final Function<TrainConfig.Stage, StageRows> data;
  private final Launcher launcher;
  private final PrintStream progress;
  private final RunDirectory run;
  /** For tests: stop (as if killed) after this many steps of this run; 0 = never. */
  private int stopAfterSteps;

  public StagedTraining(TrainConfig config, Function<TrainConfig.Stage, StageRows> data, PrintStream progress) {
    this(config, data, new ThreadLauncher(), progress);
  }

  public StagedTraining(TrainConfig config, Function<TrainConfig.Stage, StageRows> data, Launcher launcher, PrintStream progress) {
    this.config = config;
    this.data = data;
    this.launcher = launcher;
    this.progress = progress;
    this.run = new RunDirectory(config.output());
  }

  /**
   * The entry a command or pipeline step calls: ranks as threads when Spark's master is local ({@code local[…]}),
   * else one barrier stage per segment on the cluster ({@code spark://}, {@code yarn}, {@code k8s://},
   * {@code local-cluster[…]}).
   */
  public static List<StepMetrics> run(SparkSession spark, Function<TrainConfig.Stage, StageRows> data, TrainConfig config,
      String startStage, PrintStream progress) {
    return new StagedTraining(config, data, launcherFor(spark), progress).run(startStage);
  }

  public static Launcher launcherFor(SparkSession spark) {
    String master = spark == null ? "local" : spark.sparkContext().master();
    boolean threads = master.startsWith("local") && !master.startsWith("local-cluster");
    return threads ? new ThreadLauncher() : new BarrierLauncher(spark);
  }

  public StagedTraining stopAfter(int steps) {
    this.stopAfterSteps = steps;
    return this;
  }

  public Path finalCheckpoint(String stage) {
    return Path.of(run.finalCheckpoint(stage));
  }

  /** Runs from {@code startStage} (null: the first unfinished one) to the end; returns this run's step metrics. */
  public List<StepMetrics> run(String startStage) {
    int from = startStage == null ? 0 : config.stageIndex(startStage);
    List<StepMetrics> all = new ArrayList<>();
    Consumer<StepMetrics> onStep = m -> {
      progress.println(m.progressLine());
      run.appendMetrics(m.toJson() + "\n");
    };
    for (int si = from; si < config.stages().size(); si++) {
      TrainConfig.Stage stage = config.stages().get(si);
      String fin = run.finalCheckpoint(stage.name());
      if (run.complete(fin)) {
        progress.println("train " + stage.name() + ": already finished (" + fin + ")");
        continue;
      }
      String initFrom = initialWeights(si, stage);
      String rowsUri = run.rows(stage.name());
      int rowCount = spool(stage, rowsUri);
      progress.printf("train %s: L=%d θ=%.3g, %d steps × %d sequences, dp=%d × sp=%d %s, %d rows (%s), from %s%n",
          stage.name(), stage.seqLen(), stage.ropeTheta(), stage.steps(), stage.sequencesPerStep(), config.dp(),
          config.parallel().sp(), config.parallel().layout().name().toLowerCase(), rowCount, rowsUri,
          initFrom != null ? initFrom : "a new model (seed " + config.seed() + ")");
      while (true) {
        RunDirectory.Saved latest = run.latest(stage.name());
        long step = latest == null ? 0 : latest.step();
        if (latest != null && all.isEmpty()) progress.println("train " + stage.name() + ": resuming at step " + step + " from " + latest.uri());
        int left = stopAfterSteps > 0 ? stopAfterSteps - all.size() : Integer.MAX_VALUE;
        if (left <= 0) return all;
        int every = config.checkpointEvery();
        int boundary = (int) Math.min(stage.steps(), (step / every + 1) * every);
        int end = (int) Math.min(boundary, step + left);
        String cursor = latest != null ? latest.cursor()
            : new PackedReader.Cursor(config.seed() * 31 + stage.name().hashCode(), 0, 0).encode();
        Segment seg = new Segment(run.root(), stage.name(), stage.seqLen(), stage.ropeTheta(), stage.steps(),
            stage.sequencesPerStep(), stage.schedule(), rowsUri, step, end, latest == null ? null : latest.uri(), cursor,
            latest == null ? initFrom : null, config.initModel(), config.seed(), config.dp(), config.parallel(),
            config.beta1(), config.beta2(), config.eps(), config.weightDecay(), config.clip(), end == boundary,
            (long) (config.peerTimeoutSeconds() * 1000));
        all.addAll(runWithRetries(seg, onStep));
        if (seg.finishesStage()) {
          // the stage is done: its resumable checkpoints and its row file are no longer needed
          run.deleteCheckpoints(stage.name(), null);
          run.delete(rowsUri);
          progress.println("train " + stage.name() + ": done → " + fin);
          break;
        }
        if (!seg.checkpointAtEnd()) return all; // stopped between checkpoints (tests' stopAfter)
        run.deleteCheckpoints(stage.name(), run.checkpoint(stage.name(), end));
      }
    }
    return all;
  }

  private List<StepMetrics> runWithRetries(Segment seg, Consumer<StepMetrics> onStep) {
    String what = "train " + seg.stage() + " steps " + (seg.fromStep() + 1) + "-" + seg.toStep();
    for (int attempt = 1; ; attempt++) {
      try {
        return launcher.run(seg, onStep);
      } catch (Launcher.GangFailed e) {
        if (attempt >= config.attempts()) {
          throw new UserError(what + " failed " + attempt + " time(s) (parallel.attempts): " + e.getMessage());
        }
        progress.println(what + ": a rank failed (" + e.getMessage() + "); restarting all " + seg.ranks() + " ranks from "
            + (seg.resumeFrom() != null ? seg.resumeFrom() : "the stage's start") + ", attempt " + (attempt + 1) + " of "
            + config.attempts());
      }
    }
  }

  /** Where a stage's first step starts: the previous stage's final checkpoint, model.checkpoint, or null (new model). */
  private String initialWeights(int si, TrainConfig.Stage stage) {
    if (si > 0) {
      String prev = run.finalCheckpoint(config.stages().get(si - 1).name());
      if (!run.complete(prev)) {
        throw new UserError("stage " + stage.name() + " starts from stage " + config.stages().get(si - 1).name()
            + "'s final checkpoint, which does not exist (" + prev + "): run that stage first");
      }
      return prev;
    }
    return config.initCheckpoint() == null ? null : config.initCheckpoint().toAbsolutePath().toUri().toString();
  }

  /** Copies the stage's rows into the run's row file once (a resumed run reads the same rows); returns the count. */
  private int spool(TrainConfig.Stage stage, String rowsUri) {
    try {
      if (!PackedRowFile.exists(Hadoop.conf(), rowsUri)) {
        StageRows source = data.apply(stage);
        long n = PackedRowFile.write(Hadoop.conf(), rowsUri, source.rows());
        progress.println("train " + stage.name() + ": " + n + " rows of " + source.describe() + " → " + rowsUri);
      }
      try (PackedRowFile f = PackedRowFile.open(Hadoop.conf(), rowsUri)) {
        if (f.size() < config.dp()) {
          throw new UserError("stage " + stage.name() + " has " + f.size() + " packed rows, fewer than the " + config.dp()
              + " data-parallel ranks: pack more data or lower parallel.dp");
        }
        return f.size();
      }
    } catch (IOException e) {
      throw new UserError("cannot write the rows of stage " + stage.name() + " to " + rowsUri + ": " + e.getMessage());
    }
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) return;
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(x);
    }
  }
}
