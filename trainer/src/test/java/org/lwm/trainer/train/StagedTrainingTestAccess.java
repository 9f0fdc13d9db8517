package org.lwm.trainer.train;

import java.io.IOException;
import java.nio.file.Path;

/** Test access to package helpers. */
public final class StagedTrainingTestAccess {
  private StagedTrainingTestAccess() {}

  public static void deleteTree(Path p) throws IOException {
    StagedTraining.deleteTree(p);
  }
}
