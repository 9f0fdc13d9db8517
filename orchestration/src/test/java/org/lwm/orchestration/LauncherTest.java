package org.lwm.orchestration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.lwm.core.testing.TestSpark;

/** ./lwm as a user runs it: a separate process from the repository root. */
class LauncherTest {
  static String[] launch(String... args) throws Exception {
    Path root = TestSpark.repoRoot();
    String[] cmd = new String[args.length + 1];
    cmd[0] = root.resolve("lwm").toString();
    System.arraycopy(args, 0, cmd, 1, args.length);
    Process p = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "launcher did not finish");
    return new String[] {String.valueOf(p.exitValue()), out};
  }

  @Test
  void helpListsEverySubCommand() throws Exception {
    String[] r = launch("--help");
    assertEquals("0", r[0], r[1]);
    for (String cmd : new String[] {"demo", "ingest", "lake"}) {
      assertTrue(r[1].lines().anyMatch(l -> l.strip().startsWith(cmd + " ")), cmd + " missing from:\n" + r[1]);
    }
    assertTrue(!r[1].contains("building"), "the build under test is current; the launcher must not rebuild:\n" + r[1]);
  }

  @Test
  void unknownCommandExitsTwo() throws Exception {
    String[] r = launch("no-such-command");
    assertEquals("2", r[0], r[1]);
    assertTrue(r[1].startsWith("lwm: "), r[1]);
  }
}
