package org.lwm.orchestration.pipeline;

import java.util.List;
import org.lwm.core.cli.StepCommand;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import picocli.CommandLine;

/** A pipeline step's {@code args}, parsed by its job's own sub-command of the {@code lwm} command line. */
public final class StepArgs implements PipelineRunner.ArgsParser {
  private final java.util.function.Supplier<CommandLine> commands;

  /** {@code commands} makes a fresh {@code lwm} command line (picocli objects keep their parsed values). */
  public StepArgs(java.util.function.Supplier<CommandLine> commands) {
    this.commands = commands;
  }

  @Override
  public Config apply(String job, List<String> args, Config base) {
    CommandLine cl = commands.get();
    for (String word : job.split(" ")) {
      CommandLine sub = cl.getSubcommands().get(word);
      if (sub == null) throw new UserError("no command 'lwm " + job + "' for this job");
      cl = sub;
    }
    if (!(cl.getCommand() instanceof StepCommand cmd)) throw new UserError("'lwm " + job + "' is not a pipeline step");
    try {
      cl.parseArgs(args.toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      throw new UserError("args " + args + ": " + e.getMessage());
    }
    return cmd.configure(base.withAll(cmd.overrides()));
  }
}
