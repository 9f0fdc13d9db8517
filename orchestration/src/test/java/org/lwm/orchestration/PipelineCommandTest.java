package org.lwm.orchestration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lwm pipeline submit} and {@code lwm airflow render} on the command line, against the real catalog of steps. */
class PipelineCommandTest {
  @TempDir Path dir;

  Path pipeline() throws Exception {
    Path books = Files.createDirectories(dir.resolve("books"));
    Path f = dir.resolve("p.yaml");
    Files.writeString(f, "name: p\nlake: " + dir.resolve("lake") + "\nconfig: {airflow.jar: /opt/lwm.jar}\nsteps:\n"
        + "  - {id: books, job: ingest books, args: [--input, " + books + "]}\n");
    return f;
  }

  @Test
  void submitPrintsAScriptAndRenderWritesADag() throws Exception {
    CliTest.Run r = CliTest.run("pipeline", "submit", pipeline().toString(), "--master", "yarn", "--jar", "/opt/lwm.jar", "--print");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().startsWith("#!/usr/bin/env bash\n"), r.out());
    assertTrue(r.out().contains("--class org.lwm.orchestration.Lwm") && r.out().contains("/opt/lwm.jar ingest books \\\n  --input "), r.out());

    CliTest.Run d = CliTest.run("airflow", "render", pipeline().toString(), "--airflow", "3", "--output", dir.resolve("dags").toString());
    assertEquals(0, d.code(), d.err());
    assertTrue(Files.readString(dir.resolve("dags/p.py")).contains("from airflow.sdk import DAG"));
  }

  @Test
  void badUseIsOneLine() throws Exception {
    CliTest.Run noMaster = CliTest.run("pipeline", "submit", pipeline().toString());
    assertEquals(2, noMaster.code());
    assertTrue(noMaster.err().contains("--master"), noMaster.err());
    CliTest.Run mode = CliTest.run("pipeline", "submit", pipeline().toString(), "--master", "yarn", "--deploy-mode", "sideways", "--print");
    assertEquals(1, mode.code());
    assertTrue(mode.err().contains("client or cluster"), mode.err());
    CliTest.Run missing = CliTest.run("airflow", "render", dir.resolve("absent.yaml").toString(), "--airflow", "2", "--output", dir.toString());
    assertEquals(1, missing.code());
    assertEquals(1, missing.err().strip().lines().count(), missing.err());
    assertFalse(missing.err().contains("at org."), missing.err());
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "name: p\nsteps:\n  - {id: a, job: ingest bookz}\n");
    Path badArg = dir.resolve("badarg.yaml");
    Files.writeString(badArg, "name: p\nlake: " + dir.resolve("lake") + "\nconfig: {airflow.jar: /j.jar}\nsteps:\n  - {id: a, job: ingest books, args: [--inptu, x]}\n");
    for (String[] cmd : List.of(new String[] {"pipeline", "submit", badArg.toString(), "--master", "yarn", "--print"},
        new String[] {"airflow", "render", badArg.toString(), "--airflow", "2", "--output", dir.resolve("dags").toString()})) {
      CliTest.Run r = CliTest.run(cmd);
      assertEquals(1, r.code(), r.out() + r.err());
      assertTrue(r.err().contains("step 'a'") && r.err().contains("--inptu"), r.err());
      assertEquals("", r.out(), "nothing printed or written before the check");
    }
    assertFalse(Files.exists(dir.resolve("dags/p.py")));
    CliTest.Run unknown = CliTest.run("pipeline", "submit", bad.toString(), "--master", "yarn", "--print");
    assertEquals(1, unknown.code());
    assertTrue(unknown.err().contains("unknown job 'ingest bookz'") && unknown.err().contains("ingest books"), unknown.err());
  }
}
