package org.lwm.orchestration.notebook;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.lwm.core.cli.UserError;
import org.lwm.core.spark.JvmFlags;

/**
 * The Jupyter kernel spec {@code lwm-java}: rapaio-jupyter-kernel (a Java 17 kernel built on JShell, one jar from
 * Maven Central, copied by the notebooks module's build to {@code notebooks/target/jupyter/}) started with Spark's
 * Java 17 module flags and a 2 GB heap, the project's classes and jars on its JShell class path
 * ({@code RJK_CLASSPATH}). Written under a Jupyter data folder ({@code <dir>/kernels/lwm-java/kernel.json}) that
 * Jupyter finds through {@code JUPYTER_PATH}.
 */
public final class JupyterKernel {
  public static final String NAME = "lwm-java";

  private JupyterKernel() {}

  /** rapaio-jupyter-kernel's entry point. */
  static final String MAIN = "org.rapaio.jupyter.kernel.MainApp";

  /**
   * The kernel JVM's own class path, as the notebooks module's build leaves it under {@code home}: that module's
   * classes first (its {@code LoopThread} replaces the kernel's, whose start-up race hangs one kernel start in two:
   * see that class), then the kernel's jar.
   */
  public static List<Path> kernelClassPath(Path home) {
    Path target = home.resolve("notebooks").resolve("target");
    Path patch = target.resolve("classes");
    Path jar = target.resolve("jupyter").resolve("rapaio-jupyter-kernel.jar");
    if (!Files.isRegularFile(jar) || !Files.isRegularFile(patch.resolve("org/rapaio/jupyter/kernel/channels/LoopThread.class"))) {
      throw new UserError("no Jupyter kernel at " + target + ": build the notebooks module (mvn -pl notebooks -am package)");
    }
    return List.of(patch, jar);
  }

  /**
   * Writes the spec; {@code kernelClassPath} is the kernel JVM's own ({@link #kernelClassPath}), {@code classpath}
   * the notebooks' (JShell's) path list in the platform's syntax (':' on Linux), {@code jvmFlags} the flags the
   * kernel's JVM needs for Spark (see {@link #sparkJvmFlags}).
   */
  public static Path install(Path jupyterDir, List<Path> kernelClassPath, String classpath, List<String> jvmFlags) {
    Path dir = jupyterDir.resolve("kernels").resolve(NAME);
    ObjectMapper json = new ObjectMapper();
    ObjectNode spec = json.createObjectNode();
    ArrayNode argv = spec.putArray("argv");
    argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    argv.add("-Xmx2g");
    jvmFlags.forEach(argv::add);
    argv.add("-cp").add(String.join(File.pathSeparator, kernelClassPath.stream().map(p -> p.toAbsolutePath().toString()).toList()));
    argv.add(MAIN).add("{connection_file}");
    spec.put("display_name", "Java (lwm)");
    spec.put("language", "java");
    spec.put("interrupt_mode", "message");
    ObjectNode env = spec.putObject("env");
    // the kernel's own syntax: ';' between entries
    env.put("RJK_CLASSPATH", String.join(";", classpath.split(File.pathSeparator)));
    env.put("RJK_COMPILER_OPTIONS", "");
    env.put("RJK_INIT_SCRIPT", "");
    env.put("RJK_TIMEOUT_MILLIS", "-1");
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("kernel.json"), json.writerWithDefaultPrettyPrinter().writeValueAsString(spec) + "\n");
    } catch (IOException e) {
      throw new UserError("cannot write the Jupyter kernel spec into " + dir + ": " + e.getMessage());
    }
    return dir;
  }

  /** This JVM's own Spark flags (./lwm and the tests start with them), for the kernel's JVM. */
  public static List<String> sparkJvmFlags() {
    return JvmFlags.ofThisJvm();
  }
}
