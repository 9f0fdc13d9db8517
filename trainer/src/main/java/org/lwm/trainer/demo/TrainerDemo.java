package org.lwm.trainer.demo;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.lwm.core.config.Config;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.records.PackedRow;
import org.lwm.core.records.SequenceLayout;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.trainer.checkpoint.Checkpoint;
import org.lwm.trainer.cli.EvalCommand;
import org.lwm.trainer.data.StageRows;
import org.lwm.trainer.data.TrainingRows;
import org.lwm.trainer.eval.Haystack;
import org.lwm.trainer.eval.NeedleEval;
import org.lwm.trainer.model.ModelConfig;
import org.lwm.trainer.model.SequenceParallel;
import org.lwm.trainer.train.Schedule;
import org.lwm.trainer.train.StagedTraining;
import org.lwm.trainer.train.StepMetrics;
import org.lwm.trainer.train.TrainConfig;

/**
 * The trainer's step of {@code lwm demo}: a small LLaMA trained on the lake's packed stages, shortest first
 * (e.g. 2K then 8K), RoPE θ growing with the length, sp = 4 local ring workers (zigzag), then a small needle
 * eval on the lake's books. Settings under {@code demo.train.*}: {@code stages} (names; default: the
 * {@code max_stages} shortest), {@code max_stages} (2), {@code steps} (per stage, comma-separated; 8,3),
 * {@code sequences} (per step; 2,1), {@code hidden_size} (128), {@code layers} (2), {@code output}
 * (runs/demo-train beside a local lake; a rerun skips the stages already trained there), {@code needle_lengths} (256,512), {@code needle_new_tokens} (8).
 */
public final class TrainerDemo {
  private TrainerDemo() {}

  /** What the demo did, for its summary and tests. */
  public record Outcome(List<StepMetrics> steps, List<String> stages, NeedleEval.Result needle, Path output) {}

  public static Outcome run(SparkSession spark, Lake lake, Path tokenizerModel, Config config) {
    if (!lake.exists(spark, Tables.PACKED)) {
      System.out.println("trainer demo: the lake has no '" + Tables.PACKED + "' table yet (the packing step makes it): no training");
      return null;
    }
    Map<String, Integer> lengths = stageLengths(spark, lake);
    List<String> names = new ArrayList<>();
    if (config.has("demo.train.stages")) {
      for (String s : config.get("demo.train.stages", "").split(",")) if (!s.isBlank()) names.add(s.trim());
    } else {
      lengths.entrySet().stream().sorted(Map.Entry.comparingByValue()).limit(config.getInt("demo.train.max_stages", 2))
          .forEach(e -> names.add(e.getKey()));
    }
    SentencePieceTokenizer tok = SentencePieceTokenizer.load(tokenizerModel);
    Map<String, TrainingRows> rows = new LinkedHashMap<>();
    int maxText = tok.vocabSize() - 1;
    boolean vision = false;
    for (String n : names) {
      TrainingRows r = StageRows.lake(spark, lake, n);
      rows.put(n, r);
      for (int i = 0; i < r.size(); i++) {
        PackedRow row = r.row(i);
        for (int p = 0; p < row.length(); p++) {
          if (row.inputVision()[p] || row.targetVision()[p]) vision = true;
          if (!row.inputVision()[p]) maxText = Math.max(maxText, row.inputIds()[p]);
          if (!row.targetVision()[p] && row.lossWeight()[p] != 0) maxText = Math.max(maxText, row.targetIds()[p]);
        }
      }
    }
    int hidden = config.getInt("demo.train.hidden_size", 128);
    ModelConfig model = new ModelConfig(maxText + 1, vision ? 8448 : 0, hidden, hidden * 8 / 3 / 8 * 8,
        config.getInt("demo.train.layers", 2), 4, 4, 10000, 1e-5, 2048);
    String[] steps = config.get("demo.train.steps", "8,3").split(","), seqs = config.get("demo.train.sequences", "2,1").split(",");
    List<TrainConfig.Stage> stages = new ArrayList<>();
    int firstLen = lengths.get(names.get(0));
    for (int i = 0; i < names.size(); i++) {
      int len = lengths.get(names.get(i)), st = Integer.parseInt(steps[Math.min(i, steps.length - 1)].trim());
      int perStep = Math.min(rows.get(names.get(i)).size(), Integer.parseInt(seqs[Math.min(i, seqs.length - 1)].trim()));
      double theta = 10000.0 * len / firstLen; // θ grows with the context, as in LWM's stages
      stages.add(new TrainConfig.Stage(names.get(i), len, theta, st, perStep, 1,
          new Schedule("cosine", 2e-3, 2e-4, Math.min(2, st), st), names.get(i), null));
    }
    Path out = Path.of(config.get("demo.train.output", defaultOutput(lake)));
    int sp = config.getInt("demo.train.sp", 4);
    TrainConfig tc = new TrainConfig(out, lake.root(), 0, null, model,
        new SequenceParallel.Options(sp, SequenceLayout.ZIGZAG, 512, 512, 256), 0.9, 0.95, 1e-8, 0.1, 1.0, 1000, stages);
    System.out.printf("trainer demo: %s, model d=%d × %d layers, vocab %d%s (%,d parameters), sp=%d zigzag → %s%n",
        names, hidden, model.layers(), model.vocabSize(), vision ? " + vision 8448" : "", model.parameterCount(), sp, out);
    List<StepMetrics> m = new StagedTraining(tc, s -> rows.get(s.name()), System.out).run(null);

    Path last = out.resolve(names.get(names.size() - 1)).resolve("final");
    String[] nl = config.get("demo.train.needle_lengths", "256,512").split(",");
    int[] needleLengths = new int[nl.length];
    for (int i = 0; i < nl.length; i++) needleLengths[i] = Integer.parseInt(nl[i].trim());
    NeedleEval.Result needle = EvalCommand.Needle.run(Checkpoint.read(last), tok,
        Haystack.fromBooks(spark, lake, needleLengths[needleLengths.length - 1] * 8 + 1000),
        new NeedleEval.Settings(needleLengths, new int[] {0, 50, 100}, 1, 1, 1, config.getInt("demo.train.needle_new_tokens", 8),
            new SequenceParallel.Options(sp, SequenceLayout.ZIGZAG, 512, 512, 256)), out.resolve("needle"));
    summarize(m, model, needle, out);
    return new Outcome(m, names, needle, out);
  }

  /** Beside a local lake ({@code ./lake} → {@code ./runs/demo-train}); else under the working directory. */
  public static String defaultOutput(Lake lake) {
    if (!lake.isLocal()) return "runs/demo-train";
    Path root = Path.of(java.net.URI.create(lake.root()));
    Path parent = root.getParent() != null ? root.getParent() : root;
    return parent.resolve("runs").resolve("demo-train").toString();
  }

  /** Each stage's length (of its first row), from the packed table. */
  static Map<String, Integer> stageLengths(SparkSession spark, Lake lake) {
    Map<String, Integer> out = new LinkedHashMap<>();
    for (Row r : lake.read(spark, Tables.PACKED).groupBy("stage").agg(functions.max(functions.size(functions.col("input_ids"))))
        .collectAsList()) {
      out.put(r.getString(0), r.getInt(1));
    }
    return out;
  }

  private static void summarize(List<StepMetrics> m, ModelConfig model, NeedleEval.Result needle, Path out) {
    System.out.println("trainer demo: what the model learned");
    Map<String, double[]> firstLast = new LinkedHashMap<>();
    for (StepMetrics s : m) {
      double[] fl = firstLast.computeIfAbsent(s.stage(), k -> new double[] {s.loss(), s.loss()});
      fl[1] = s.loss();
    }
    firstLast.forEach((stage, fl) -> System.out.printf(Locale.ROOT, "  %-12s loss %.3f → %.3f%n", stage, fl[0], fl[1]));
    System.out.printf(Locale.ROOT, "  (a uniform guess over the text vocabulary scores ln %d = %.3f)%n", model.vocabSize(),
        Math.log(model.vocabSize()));
    System.out.print(needle.table().replaceAll("(?m)^", "  "));
    System.out.printf(Locale.ROOT, "  needle accuracy %.2f: a model this small and this briefly trained is not expected to "
        + "retrieve needles; the grid shows the harness end to end (%s)%n", needle.mean(), out.resolve("needle/needle.png"));
  }
}
