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
    CommandLine root = commands.get();
    List<String> words = new java.util.ArrayList<>(List.of(job.split(" ")));
    words.addAll(args);
    CommandLine.ParseResult parsed;
    try {
      parsed = root.parseArgs(words.toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      throw new UserError("args " + args + ": " + e.getMessage());
    }
    while (parsed.hasSubcommand()) parsed = parsed.subcommand();
    if (!(parsed.commandSpec().userObject() instanceof StepCommand cmd) || !parsed.commandSpec().qualifiedName(" ").equals("lwm " + job)) {
      throw new UserError("'lwm " + job + "' is not a pipeline step");
    }
    return cmd.configure(base.withAll(cmd.overrides()));
  }
}
