package org.lwm.trainer.runtime;

import java.io.Serializable;
import org.lwm.trainer.model.ModelConfig;
import org.lwm.trainer.model.SequenceParallel;
import org.lwm.trainer.train.Schedule;

/**
 * What every rank of the dp × sp grid runs between two checkpoints: optimizer steps {@code fromStep+1 … toStep}
 * of one stage, from a complete checkpoint ({@code resumeFrom}, with optimizer and reader cursor) or, at a stage's
 * start, from {@code initFrom} (the previous stage's final checkpoint or {@code model.checkpoint}) or a seeded new
 * model. Plain values only, so it travels to Spark tasks. A segment is also the unit of retry: a failed gang
 * reruns it whole.
 */
public record Segment(
    String runDir, String stage, int seqLen, double ropeTheta, int totalSteps, int sequencesPerStep,
    Schedule schedule, String rowsUri, long fromStep, int toStep, String resumeFrom, String cursor,
    String initFrom, ModelConfig initModel, long seed,
    int dp, SequenceParallel.Options parallel,
    double beta1, double beta2, double eps, double weightDecay, double clip,
    boolean checkpointAtEnd, long peerTimeoutMs) implements Serializable {

  public boolean finishesStage() {
    return toStep == totalSteps;
  }

  public int ranks() {
    return dp * parallel.sp();
  }
}
