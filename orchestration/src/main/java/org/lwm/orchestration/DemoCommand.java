package org.lwm.orchestration;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.lwm.core.cli.UserError;
import org.lwm.core.lake.Lake;
import org.lwm.orchestration.pipeline.PipelineRunner;
import org.lwm.orchestration.pipeline.RunCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lwm demo}: {@code lwm run samples/pipeline.yaml} on the embedded sample, into a local lake, with the training
 * output beside it ({@code ./lake} → {@code ./runs}). A second run skips every step.
 */
@Command(name = "demo", description = {"Run the pipeline samples/pipeline.yaml on the embedded sample into a local lake (default ./lake);",
    "training output goes beside it (./runs). Same as: lwm run samples/pipeline.yaml --param samples=... --param runs=..."},
    mixinStandardHelpOptions = true)
public final class DemoCommand implements Runnable {
  @Option(names = "--lake", paramLabel = "URI", description = "Lake root (default ./lake).")
  String lake;

  @Option(names = "--samples", paramLabel = "DIR", description = "The sample folder (default: samples/ beside ./lwm).")
  Path samples;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "A config key for every step (repeatable).")
  Map<String, String> overrides = new LinkedHashMap<>();

  @Option(names = "--force", description = "Run every step even when it is up to date.")
  boolean force;

  @Option(names = {"-v", "--verbose"}, description = "Show stack traces.")
  boolean verbose;

  @Override
  public void run() {
    Path dir = (samples != null ? samples : Path.of(System.getProperty("lwm.home", ".")).resolve("samples")).toAbsolutePath().normalize();
    if (!Files.isRegularFile(dir.resolve("pipeline.yaml"))) {
      throw new UserError("sample folder " + dir + " has no pipeline.yaml: run from the repository root or pass --samples");
    }
    Lake l = Lake.of(lake != null ? lake : "lake");
    Map<String, String> params = new LinkedHashMap<>();
    params.put("samples", dir.toString());
    params.put("runs", runsBeside(l));
    RunCommand.run(dir.resolve("pipeline.yaml"), l.root(), params, null, overrides, new PipelineRunner.Options(null, null, null, false, force));
    System.out.println("done: look inside with ./lwm lake ls" + (lake == null ? "" : " --lake " + l)
        + "; training output in " + params.get("runs"));
  }

  /** The demo's training run directory for a lake: {@code runs/demo-train} beside it (see samples/pipeline.yaml). */
  public static java.nio.file.Path trainingRun(Lake lake) {
    return Path.of(runsBeside(lake)).resolve("demo-train");
  }

  /** Beside a local lake ({@code ./lake} → {@code ./runs}); else {@code runs} under the working directory. */
  static String runsBeside(Lake lake) {
    if (!lake.isLocal()) return Path.of("runs").toAbsolutePath().toString();
    Path root = Path.of(java.net.URI.create(lake.root()));
    Path parent = root.getParent() != null ? root.getParent() : root;
    return parent.resolve("runs").toString();
  }
}
