package org.lwm.trainer;

import org.lwm.core.cli.UserError;
import org.lwm.trainer.cli.TrainCommand;
import picocli.CommandLine;

/** {@code lwm train} as its own process for the cluster test (the trainer module has no main; orchestration's Lwm is). */
public final class TrainMain {
  private TrainMain() {}

  public static void main(String[] args) {
    CommandLine cl = new CommandLine(new TrainCommand());
    cl.setExecutionExceptionHandler((e, c, r) -> {
      System.out.println(e instanceof UserError ? "error: " + e.getMessage() : "failed: " + e);
      if (!(e instanceof UserError)) e.printStackTrace(System.out);
      return 1;
    });
    System.exit(cl.execute(args));
  }
}
