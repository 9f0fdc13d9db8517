package org.lwm.orchestration.pipeline;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.lwm.core.cli.CommandGroup;
import org.lwm.core.cli.UserError;
import org.lwm.core.step.Step;
import org.lwm.core.step.Steps;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lwm pipeline submit}: a pipeline definition as spark-submit batch jobs. */
@Command(name = "pipeline", description = "Run a pipeline definition as spark-submit batch jobs.", mixinStandardHelpOptions = true,
    subcommands = {PipelineCommand.Submit.class})
public final class PipelineCommand extends CommandGroup {

  @Command(name = "submit", mixinStandardHelpOptions = true,
      description = {"Each step as a spark-submit of the fat jar, in dependency order, stopping at the first failure.",
          "With --print, writes the same commands as a bash script (for cron) instead of running them."})
  static final class Submit implements Runnable {
    @Parameters(index = "0", paramLabel = "PIPELINE.yaml", description = "The pipeline definition (docs/PIPELINES.md).")
    Path file;

    @Option(names = "--master", required = true, paramLabel = "URL", description = "spark-submit's --master: yarn, k8s://…, spark://…, local[N].")
    String master;

    @Option(names = "--deploy-mode", paramLabel = "MODE", description = "client or cluster (spark-submit's default: client).")
    String deployMode;

    @Option(names = "--jar", paramLabel = "PATH", description = "The fat jar (default: the one this lwm runs from, or orchestration/target/orchestration-*-spark.jar).")
    String jar;

    @Option(names = "--spark-submit", paramLabel = "CMD", description = "The spark-submit to run (default: $SPARK_HOME/bin/spark-submit, else spark-submit on the PATH).")
    String sparkSubmit;

    @Option(names = "--print", description = "Write the commands as a bash script to standard output; run nothing.")
    boolean print;

    @Option(names = "--param", paramLabel = "NAME=VALUE", description = "Set a param of the pipeline (repeatable).")
    Map<String, String> params = new LinkedHashMap<>();

    @Option(names = "--run-date", paramLabel = "YYYY-MM-DD", description = "${run_date} (default: today, UTC).")
    String runDate;

    @Option(names = "--lake", paramLabel = "URI", description = "Use this lake instead of the pipeline's.")
    String lake;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "A config key for every step, over the pipeline's (repeatable; taken as written).")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = {"-v", "--verbose"}, description = "Show stack traces.")
    boolean verbose;

    @Override
    public void run() {
      if (deployMode != null && !deployMode.equals("client") && !deployMode.equals("cluster")) {
        throw new UserError("--deploy-mode must be client or cluster, got '" + deployMode + "'");
      }
      Pipeline p = PipelineFile.load(file, params, runDate, lake).withConfig(overrides);
      Map<String, Step> catalog = Steps.all();
      PipelineValidator.validate(p, catalog, lakeTables(p, catalog, System.err));
      checkArgs(p);
      List<PipelineStep> order = p.ordered();
      SparkSubmitJobs.Target target = new SparkSubmitJobs.Target(master, deployMode, jar != null ? jar : defaultJar(), sparkSubmit != null ? sparkSubmit : defaultSparkSubmit());
      if (print) {
        System.out.print(SparkSubmitJobs.script(p, order, target, Path.of("")));
        System.out.flush();
      } else {
        SparkSubmitJobs.run(p, order, target, System.out);
      }
    }
  }

  /**
   * Parses every step's {@code args} with its job's own sub-command ({@link StepArgs}, as {@code lwm run} does), so a bad option fails
   * here with one line rather than on the cluster after the steps before it have run.
   */
  public static void checkArgs(Pipeline p) {
    StepArgs parser = new StepArgs(() -> org.lwm.orchestration.Lwm.commandLine(false));
    for (PipelineStep s : p.steps()) {
      try {
        parser.apply(s.job(), s.args(), p.stepConfig(s));
      } catch (UserError e) {
        throw new UserError("step '" + s.id() + "': " + e.getMessage());
      }
    }
  }

  /**
   * Which tables the lake has, for the validator. A local lake is looked at; a remote one (s3a://, hdfs://) is not
   * reached from here (credentials and network are the cluster's): the tables it must hold are named on {@code notes}.
   */
  static Predicate<String> lakeTables(Pipeline p, Map<String, Step> catalog, PrintStream notes) {
    if (p.lake().startsWith("file:")) {
      return t -> Files.isDirectory(Path.of(URI.create(p.lake() + "/" + t + "/_delta_log")));
    }
    List<String> external = PipelineValidator.externalInputs(p, catalog);
    if (!external.isEmpty()) {
      notes.println("lwm: note: lake " + p.lake() + " is not checked from here; it must hold " + String.join(", ", external));
    }
    return t -> true;
  }

  /** The jar this lwm runs from, or the fat jar the build puts beside target/classes (./lwm runs from there). */
  static String defaultJar() {
    Path here;
    try {
      here = Path.of(PipelineCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException | SecurityException e) {
      throw new UserError("cannot tell where lwm runs from: pass --jar");
    }
    if (Files.isRegularFile(here) && here.toString().endsWith(".jar")) return here.toString();
    Path target = here.getParent();
    if (target != null && Files.isDirectory(target)) {
      try (Stream<Path> files = Files.list(target)) {
        List<Path> jars = files.filter(f -> f.getFileName().toString().matches("orchestration-.*-spark\\.jar")).sorted().toList();
        if (!jars.isEmpty()) return jars.get(jars.size() - 1).toString();
      } catch (IOException e) {
        // fall through to the error below
      }
    }
    throw new UserError("no fat jar beside " + here + ": build it with 'mvn -B -DskipTests package -pl orchestration -am', or pass --jar");
  }

  static String defaultSparkSubmit() {
    String home = System.getenv("SPARK_HOME");
    return home != null && !home.isBlank() ? Path.of(home, "bin", "spark-submit").toString() : "spark-submit";
  }
}
