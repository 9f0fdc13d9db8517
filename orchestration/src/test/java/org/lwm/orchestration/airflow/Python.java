package org.lwm.orchestration.airflow;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Debian's python3 as the tests' independent reader of the rendered DAGs (dev/test makes sure it is there). */
final class Python {
  static final Path PYTHON3 = Path.of("/usr/bin/python3");

  record Result(int code, String out) {}

  private Python() {}

  static Result run(String stdin, String... args) throws IOException, InterruptedException {
    assertTrue(Files.isExecutable(PYTHON3), "Debian's python3 is missing: apt-get install python3 (dev/test installs it)");
    List<String> cmd = new ArrayList<>(List.of(PYTHON3.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    if (stdin != null) p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "python3 did not finish");
    return new Result(p.exitValue(), out);
  }

  /** A test resource as a file python3 can open. */
  static Path resource(String name) throws Exception {
    return Path.of(Python.class.getResource(name).toURI());
  }
}
