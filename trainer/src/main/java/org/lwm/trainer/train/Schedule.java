package org.lwm.trainer.train;

import org.lwm.core.cli.UserError;

/** Learning rate per step (1-based): linear warmup from 0, then constant or cosine down to {@code endLr}. */
public record Schedule(String kind, double lr, double endLr, int warmupSteps, int totalSteps) implements java.io.Serializable {
  public Schedule {
    if (!kind.equals("cosine") && !kind.equals("constant")) {
      throw new UserError("lr schedule '" + kind + "' is unknown: use cosine or constant");
    }
  }

  public double at(int step) {
    if (warmupSteps > 0 && step <= warmupSteps) return lr * step / warmupSteps;
    if (kind.equals("constant")) return lr;
    // the first step after warmup runs at lr, the last one at endLr
    int span = Math.max(1, totalSteps - warmupSteps - 1);
    double progress = Math.min(1.0, Math.max(0.0, (double) (step - warmupSteps - 1) / span));
    return endLr + 0.5 * (lr - endLr) * (1 + Math.cos(Math.PI * progress));
  }
}
