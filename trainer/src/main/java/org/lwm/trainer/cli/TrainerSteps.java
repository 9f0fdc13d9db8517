package org.lwm.trainer.cli;

import java.util.List;
import org.lwm.core.step.Step;
import org.lwm.core.step.StepProvider;
import org.lwm.trainer.eval.NeedleJob;
import org.lwm.trainer.train.TrainJob;

/** The trainer's pipeline steps: {@code train} and {@code eval needle}. */
public final class TrainerSteps implements StepProvider {
  @Override
  public List<Step> steps() {
    return List.of(new TrainJob(), new NeedleJob());
  }
}
