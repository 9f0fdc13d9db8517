package org.lwm.notebooks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.lwm.core.lake.Lake;

/**
 * What the notebooks' tests run against: the lake orchestration's DemoTest leaves (system property
 * {@code lwm.demo.lake}), the demo's training run beside it, the project's class path as {@code ./lwm} has it, and
 * the tools the project's dev/test installs (Jupyter, Chromium). Anything missing fails the test with what to do.
 */
final class DemoLake {
  private DemoLake() {}

  static Path lake() {
    String p = System.getProperty("lwm.demo.lake");
    if (p == null) throw new AssertionError("system property lwm.demo.lake is not set (run the tests with Maven)");
    Path lake = Path.of(p).toAbsolutePath().normalize();
    if (!Files.isDirectory(lake.resolve("packed").resolve("_delta_log"))) {
      throw new AssertionError("no demo lake at " + lake + ": orchestration's DemoTest writes it there (mvn verify from the root builds "
          + "orchestration first), or pass -Dlwm.demo.lake=DIR of a lake made by ./lwm demo --lake DIR");
    }
    return lake;
  }

  static Path runDir() {
    Path run = org.lwm.orchestration.DemoCommand.trainingRun(Lake.of(lake().toString()));
    if (!Files.exists(run.resolve("metrics.jsonl"))) throw new AssertionError("the demo lake " + lake() + " has no training run at " + run);
    return run;
  }

  /** orchestration's classes and its runtime class path, as ./lwm runs them. */
  static String classpath() throws IOException {
    Path file = Path.of(property("lwm.classpath.file"));
    if (!Files.exists(file)) throw new AssertionError("no " + file + ": build orchestration first (mvn -pl notebooks -am verify)");
    return property("lwm.orchestration.classes") + java.io.File.pathSeparator + Files.readString(file).strip();
  }

  static String property(String name) {
    String v = System.getProperty(name);
    if (v == null) throw new AssertionError("system property " + name + " is not set (run the tests with Maven)");
    return v;
  }

  /** A tool the tests need; dev/test installs it from Debian. */
  static String tool(String name, String debianPackage) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, name))) return Path.of(dir, name).toString();
    }
    throw new AssertionError(name + " is not installed: ./dev/test installs it (apt-get install " + debianPackage + ")");
  }

  record Result(int code, String output) {}

  /** Runs a command with the given extra environment, output (both streams) into a log file; fails past the timeout. */
  static Result run(List<String> cmd, java.util.Map<String, String> env, Path log, long timeoutSeconds) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", cmd) + " ran past " + timeoutSeconds + " s; its output: " + tail(log));
    }
    return new Result(p.exitValue(), Files.readString(log));
  }

  static String tail(Path log) throws IOException {
    String s = Files.exists(log) ? Files.readString(log) : "";
    return s.length() > 6000 ? "…" + s.substring(s.length() - 6000) : s;
  }
}
