package org.lwm.trainer.train;

/**
 * What one optimizer step did: one line of {@code metrics.jsonl} and of the progress output. The step's time is
 * split into compute and communication wait (time blocked on the sp and dp rings, measured on rank 0).
 */
public record StepMetrics(String stage, int step, int steps, double loss, double textLoss, double visionLoss,
    boolean hasText, boolean hasVision, double lr, double gradNorm, long tokens, double seconds,
    double computeSeconds, double waitSeconds) implements java.io.Serializable {

  public double tokensPerSecond() {
    return seconds > 0 ? tokens / seconds : 0;
  }

  public String toJson() {
    return String.format(java.util.Locale.ROOT,
        "{\"stage\":\"%s\",\"step\":%d,\"loss\":%s,\"text_loss\":%s,\"vision_loss\":%s,\"lr\":%s,\"grad_norm\":%s,"
            + "\"tokens\":%d,\"tokens_per_s\":%.1f,\"seconds\":%.3f,\"compute_s\":%.3f,\"wait_s\":%.3f}",
        stage, step, loss, hasText ? Double.toString(textLoss) : "null", hasVision ? Double.toString(visionLoss) : "null",
        lr, gradNorm, tokens, tokensPerSecond(), seconds, computeSeconds, waitSeconds);
  }

  public String progressLine() {
    return String.format(java.util.Locale.ROOT,
        "train %s step %d/%d  loss %.4f (text %s, vision %s)  lr %.2e  |g| %.3f  %,.0f tok/s  %.2fs = compute %.2fs + wait %.2fs",
        stage, step, steps, loss, hasText ? String.format(java.util.Locale.ROOT, "%.4f", textLoss) : "-",
        hasVision ? String.format(java.util.Locale.ROOT, "%.4f", visionLoss) : "-", lr, gradNorm, tokensPerSecond(),
        seconds, computeSeconds, waitSeconds);
  }
}
