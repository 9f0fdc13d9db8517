package org.lwm.trainer.runtime;

import java.util.List;
import java.util.function.Consumer;
import org.lwm.trainer.train.StepMetrics;

/** Starts the dp × sp ranks of a {@link Segment} and waits for them: threads in this JVM, or a Spark barrier stage. */
public interface Launcher {
  /**
   * Runs the segment; {@code onStep} sees each finished step, live or once the segment is done. Throws
   * {@link GangFailed} when a rank was lost and the segment may be retried from its start.
   */
  List<StepMetrics> run(Segment segment, Consumer<StepMetrics> onStep);

  /** The segment's gang failed (a task, an executor or a peer was lost): rerun it from its start checkpoint. */
  final class GangFailed extends RuntimeException {
    public GangFailed(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
