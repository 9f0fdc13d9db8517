package org.lwm.orchestration.report;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.jfree.chart.JFreeChart;
import org.lwm.trainer.train.StepMetrics;

/**
 * Charts of a run's {@code metrics.jsonl}: per stage, over the run's optimizer steps counted across stages (a
 * stage's curve starts where the previous one ended): loss by modality, learning rate, tokens per second.
 */
public final class TrainingCharts {
  private TrainingCharts() {}

  /** Loss per stage, and per modality where the stage had text and vision targets. */
  public static JFreeChart loss(List<StepMetrics> m) {
    Map<String, double[][]> series = new LinkedHashMap<>();
    series.putAll(perStage(m, "loss", StepMetrics::loss, s -> true));
    series.putAll(perStage(m, "text", StepMetrics::textLoss, s -> s.hasText() && s.hasVision()));
    series.putAll(perStage(m, "vision", StepMetrics::visionLoss, StepMetrics::hasVision));
    return Charts.lines("Training loss per stage and modality", "optimizer step (whole run)", "cross-entropy (nats)", series);
  }

  public static JFreeChart learningRate(List<StepMetrics> m) {
    return Charts.lines("Learning rate", "optimizer step (whole run)", "learning rate", perStage(m, "lr", StepMetrics::lr, s -> true));
  }

  public static JFreeChart tokensPerSecond(List<StepMetrics> m) {
    return Charts.lines("Training throughput", "optimizer step (whole run)", "tokens / s",
        perStage(m, "tokens/s", StepMetrics::tokensPerSecond, s -> true));
  }

  /** One series "<stage> <what>" per stage: x the step's index in the whole run (1-based), NaN where {@code has} is false. */
  static Map<String, double[][]> perStage(List<StepMetrics> m, String what, ToDoubleFunction<StepMetrics> y,
      java.util.function.Predicate<StepMetrics> has) {
    Map<String, double[][]> out = new LinkedHashMap<>();
    Map<String, Integer> sizes = new LinkedHashMap<>();
    for (StepMetrics s : m) sizes.merge(s.stage(), 1, Integer::sum);
    Map<String, Integer> filled = new LinkedHashMap<>();
    boolean any = false;
    for (int i = 0; i < m.size(); i++) {
      StepMetrics s = m.get(i);
      double[][] xy = out.computeIfAbsent(s.stage() + " " + what, k -> new double[2][sizes.get(s.stage())]);
      int j = filled.merge(s.stage(), 1, Integer::sum) - 1;
      xy[0][j] = i + 1;
      xy[1][j] = has.test(s) ? y.applyAsDouble(s) : Double.NaN;
      any |= has.test(s);
    }
    if (!any) out.clear();
    out.values().removeIf(xy -> java.util.Arrays.stream(xy[1]).allMatch(Double::isNaN));
    return out;
  }
}
