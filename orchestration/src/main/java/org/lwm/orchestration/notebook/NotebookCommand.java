package org.lwm.orchestration.notebook;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.lwm.core.cli.CommonOptions;
import org.lwm.core.cli.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lwm notebook}: Jupyter on the project's notebooks with the {@code lwm-java} kernel (the project's classes
 * on its class path), pointed at a lake through {@code LWM_LAKE}. Arguments after {@code --} go to Jupyter.
 */
@Command(name = "notebook", mixinStandardHelpOptions = true,
    description = {"Start Jupyter on notebooks/ with the Java kernel 'lwm-java' and the project's classes, reading the lake given by --lake (LWM_LAKE).",
        "Needs Debian's jupyter-notebook (./dev/test installs it). Arguments after -- go to 'jupyter notebook'."})
public final class NotebookCommand implements java.util.concurrent.Callable<Integer> {
  @Mixin CommonOptions common;

  @Option(names = "--run", paramLabel = "DIR", description = "A training run's output folder for notebook 05 (LWM_RUN; default: runs/demo-train beside a local lake).")
  Path run;

  @Option(names = "--port", paramLabel = "N", description = "Jupyter's port (default: Jupyter's, 8888).")
  Integer port;

  @Option(names = "--no-browser", description = "Do not open a browser.")
  boolean noBrowser;

  @Parameters(paramLabel = "JUPYTER_ARG", arity = "0..*", description = "More arguments for 'jupyter notebook' (after --).")
  List<String> jupyterArgs = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    Path home = Path.of(System.getProperty("lwm.home", ".")).toAbsolutePath().normalize();
    Path notebooks = home.resolve("notebooks");
    if (!Files.isDirectory(notebooks)) throw new UserError("no notebooks folder at " + notebooks + ": run ./lwm from the repository");
    Path jupyterDir = notebooks.resolve("target").resolve("jupyter");
    JupyterKernel.install(jupyterDir, JupyterKernel.kernelClassPath(home), System.getProperty("java.class.path"), JupyterKernel.sparkJvmFlags());
    List<String> cmd = new ArrayList<>(List.of("jupyter", "notebook", "--notebook-dir=" + notebooks,
        "--MultiKernelManager.default_kernel_name=" + JupyterKernel.NAME));
    if (noBrowser) cmd.add("--no-browser");
    if (port != null) cmd.add("--port=" + port);
    if ("root".equals(System.getProperty("user.name"))) cmd.add("--allow-root"); // Jupyter refuses root otherwise
    cmd.addAll(jupyterArgs);
    ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
    Map<String, String> env = pb.environment();
    env.put("LWM_LAKE", common.lake().root());
    env.put("LWM_HOME", home.toString());
    if (run != null) env.put("LWM_RUN", run.toAbsolutePath().toString());
    String path = env.get("JUPYTER_PATH");
    env.put("JUPYTER_PATH", jupyterDir + (path == null || path.isBlank() ? "" : java.io.File.pathSeparator + path));
    System.out.println("lwm notebook: lake " + common.lake() + ", kernel " + JupyterKernel.NAME + " in " + jupyterDir);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new UserError("cannot start Jupyter (" + e.getMessage() + "): apt-get install jupyter-notebook, or run ./dev/test once");
    }
    Runtime.getRuntime().addShutdownHook(new Thread(p::destroy));
    return p.waitFor();
  }
}
