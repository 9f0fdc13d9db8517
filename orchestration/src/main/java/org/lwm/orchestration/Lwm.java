package org.lwm.orchestration;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import org.lwm.core.LwmVersion;
import org.lwm.core.cli.CommandProvider;
import org.lwm.core.cli.UserError;
import org.lwm.orchestration.airflow.AirflowCommand;
import org.lwm.orchestration.pipeline.PipelineCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The one entry point: {@code ./lwm}, and the main class spark-submit runs from the fat jar. Modules
 * contribute sub-commands through {@link CommandProvider}; this class adds orchestration's own and maps
 * failures to exit codes: 2 for usage errors, 1 for a one-line error (stack trace only with --verbose).
 */
@Command(
    name = "lwm",
    mixinStandardHelpOptions = true,
    versionProvider = Lwm.Version.class,
    description = "Large World Model data pipeline and trainer on Apache Spark.",
    subcommands = {CommandLine.HelpCommand.class})
public final class Lwm implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the command line and returns its exit code (tests call this in-process). */
  public static int execute(String... args) {
    return commandLine(isVerbose(args)).execute(args);
  }

  public static CommandLine commandLine(boolean verbose) {
    CommandLine cl = new CommandLine(new Lwm());
    List<Object> commands = new ArrayList<>();
    commands.add(new LakeCommand());
    commands.add(new DemoCommand());
    commands.add(new org.lwm.orchestration.pipeline.RunCommand());
    commands.add(new PipelineCommand());
    commands.add(new AirflowCommand());
    commands.add(new org.lwm.orchestration.report.ReportCommand());
    commands.add(new org.lwm.orchestration.notebook.NotebookCommand());
    for (CommandProvider p : ServiceLoader.load(CommandProvider.class)) commands.add(p.command());
    commands.sort(Comparator.comparing(c -> c.getClass().getAnnotation(Command.class).name()));
    for (Object c : commands) cl.addSubcommand(c);
    // image and video generation join trainer and vqgan-encode, which cannot see each other: they are added here
    CommandLine generate = cl.getSubcommands().get("generate");
    if (generate != null) for (Object c : org.lwm.orchestration.generate.GenerateVisionCommand.subcommands()) generate.addSubcommand(c);
    cl.setExecutionExceptionHandler((e, line, parsed) -> {
      PrintWriter err = line.getErr();
      if (verbose) e.printStackTrace(err);
      err.println("lwm: " + describe(e) + (verbose || e instanceof UserError ? "" : " (run with --verbose for details)"));
      err.flush();
      return 1;
    });
    cl.setParameterExceptionHandler((e, args) -> {
      CommandLine bad = e.getCommandLine();
      PrintWriter err = bad.getErr();
      err.println("lwm: " + e.getMessage());
      err.println("usage: " + bad.getCommandSpec().qualifiedName() + " " + shortSynopsis(bad)
          + "  (see '" + bad.getCommandSpec().qualifiedName() + " --help')");
      err.flush();
      return 2;
    });
    return cl;
  }

  private static String shortSynopsis(CommandLine cl) {
    return cl.getCommandSpec().subcommands().isEmpty() ? "[OPTIONS]" : "COMMAND [OPTIONS]";
  }

  /** One line: a UserError's message, else the innermost cause's type and first line. */
  public static String describe(Throwable e) {
    if (e instanceof UserError) return e.getMessage();
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      if (root instanceof UserError) return root.getMessage();
      root = root.getCause();
    }
    if (root instanceof UserError) return root.getMessage();
    String m = root.getMessage() == null ? "" : root.getMessage().strip();
    int nl = m.indexOf('\n');
    if (nl >= 0) m = m.substring(0, nl);
    return root.getClass().getSimpleName() + (m.isEmpty() ? "" : ": " + m);
  }

  private static boolean isVerbose(String[] args) {
    for (String a : args) if (a.equals("--verbose") || a.equals("-v")) return true;
    return false;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"lwm " + LwmVersion.get(), "Java " + System.getProperty("java.version")};
    }
  }
}
