package org.lwm.orchestration.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.core.cli.UserError;

/**
 * The spark-submit form without a cluster: a stand-in spark-submit (a shell script written here) records each
 * argument vector it is called with, so the test sees exactly what a real one would receive, and fails on request.
 */
class SparkSubmitJobsTest {
  @TempDir Path dir;
  Path calls;
  Path fakeSubmit;

  @BeforeEach
  void standIn() throws Exception {
    calls = dir.resolve("calls");
    fakeSubmit = dir.resolve("spark-submit");
    // one call per file: its arguments NUL-separated; exits 3 when an argument is the job word 'tokenize'
    Files.writeString(fakeSubmit, "#!/bin/bash\nn=$(ls " + calls + " 2>/dev/null | wc -l)\nmkdir -p " + calls
        + "\nprintf '%s\\0' \"$@\" > " + calls + "/$n\necho \"stand-in spark-submit call $n\"\nfor a in \"$@\"; do [ \"$a\" = tokenize ] && { echo 'boom' >&2; exit 3; }; done\nexit 0\n");
    Files.setPosixFilePermissions(fakeSubmit, PosixFilePermissions.fromString("rwx------"));
  }

  List<List<String>> recorded() throws Exception {
    List<List<String>> out = new ArrayList<>();
    if (!Files.isDirectory(calls)) return out;
    for (int i = 0; Files.exists(calls.resolve(String.valueOf(i))); i++) {
      String s = Files.readString(calls.resolve(String.valueOf(i)), StandardCharsets.UTF_8);
      out.add(Arrays.asList(s.substring(0, s.length() - 1).split("\0", -1)));
    }
    return out;
  }

  Pipeline pipeline(String steps) throws Exception {
    Path f = dir.resolve("p.yaml");
    Files.writeString(f, """
        name: nightly
        schedule: "@daily"
        lake: /data/lake
        spark: {executor.memory: 2g, master: "local[2]"}
        config:
          tokenizer: "/models/it's $HOME `date` \\"q\\" ; rm -rf /\\nline two.model"
          airflow.jar: not/passed.jar
        steps:
        """ + steps);
    Pipeline p = PipelineFile.load(f, Map.of(), "2026-02-03", null);
    PipelineValidator.validate(p, TestSteps.catalog(), t -> false);
    return p;
  }

  static final String TWO = "  - {id: books, job: ingest books, args: [--input, \"/in/my books/${run_date}\"], config: {ingest.min_chars: 10, spark.executor.cores: 3}}\n"
      + "  - {id: chunks, job: qa chunk, after: [tokens]}\n"
      + "  - {id: tokens, job: ingest tokenize, after: [books]}\n";

  SparkSubmitJobs.Target target() {
    return new SparkSubmitJobs.Target("yarn", "cluster", "/jars/lwm spark.jar", fakeSubmit.toString());
  }

  @Test
  void eachStepIsOneSparkSubmitOfTheFatJar() throws Exception {
    Pipeline p = pipeline(TWO);
    List<String> cmd = SparkSubmitJobs.command(p, p.step("books"), target());
    assertEquals(List.of(fakeSubmit.toString(), "--master", "yarn", "--deploy-mode", "cluster", "--class", "org.lwm.orchestration.Lwm",
        "--name", "nightly:books", "--conf", "spark.executor.cores=3", "--conf", "spark.executor.memory=2g", "/jars/lwm spark.jar",
        "ingest", "books", "--input", "/in/my books/2026-02-03", "--lake", "file:///data/lake",
        "--set", "ingest.min_chars=10",
        "--set", "tokenizer=/models/it's $HOME `date` \"q\" ; rm -rf /\nline two.model"), cmd, "spark.master left to --master, airflow.* left to the DAG");
  }

  @Test
  void runGoesInDependencyOrderAndStopsAtTheFirstFailure() throws Exception {
    Pipeline p = pipeline(TWO);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    UserError e = assertThrows(UserError.class,
        () -> SparkSubmitJobs.run(p, p.ordered(), target(), new PrintStream(out, true, StandardCharsets.UTF_8)));
    assertEquals("step 'tokens' (ingest tokenize) failed: spark-submit exited with 3; not run: chunks", e.getMessage());
    List<List<String>> got = recorded();
    assertEquals(2, got.size(), "books, then tokens failed, chunks never started");
    assertEquals(SparkSubmitJobs.command(p, p.step("books"), target()).subList(1, SparkSubmitJobs.command(p, p.step("books"), target()).size()), got.get(0));
    assertEquals(SparkSubmitJobs.command(p, p.step("tokens"), target()).subList(1, SparkSubmitJobs.command(p, p.step("tokens"), target()).size()), got.get(1));
    String log = out.toString(StandardCharsets.UTF_8);
    assertTrue(log.contains("lwm: step 1/3 books (ingest books)") && log.contains("stand-in spark-submit call 0") && log.contains("boom"), log);
  }

  @Test
  void thePrintedScriptRunsTheSameCommandsAndStopsTooo() throws Exception {
    Pipeline p = pipeline(TWO);
    String script = SparkSubmitJobs.script(p, p.ordered(), target(), dir);
    assertTrue(script.startsWith("#!/usr/bin/env bash\n"), script);
    assertTrue(script.contains("\nset -euo pipefail\n"), script);
    Path sh = dir.resolve("run.sh");
    Files.writeString(sh, script);
    Process proc = new ProcessBuilder("bash", sh.toString()).redirectErrorStream(true).start();
    String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(proc.waitFor(60, TimeUnit.SECONDS));
    assertEquals(3, proc.exitValue(), out);
    List<List<String>> got = recorded();
    assertEquals(2, got.size(), out);
    for (int i = 0; i < 2; i++) {
      List<String> cmd = SparkSubmitJobs.command(p, p.ordered().get(i), target());
      assertEquals(cmd.subList(1, cmd.size()), got.get(i), "bash received exactly the words, quotes and all");
    }
    assertFalse(out.contains("No such file"), out);

    // $SPARK_SUBMIT chooses another spark-submit without editing the script
    Path other = dir.resolve("other-submit");
    Files.writeString(other, "#!/bin/bash\necho other \"$1\"\n");
    Files.setPosixFilePermissions(other, PosixFilePermissions.fromString("rwx------"));
    ProcessBuilder pb = new ProcessBuilder("bash", sh.toString()).redirectErrorStream(true);
    pb.environment().put("SPARK_SUBMIT", other.toString());
    Process p2 = pb.start();
    String out2 = new String(p2.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p2.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p2.exitValue(), out2);
    assertEquals(3, out2.lines().filter(l -> l.equals("other --master")).count(), out2);
  }

  @Test
  void quotingSurvivesBash() throws Exception {
    for (String w : List.of("plain", "", "two words", "it's", "$HOME", "`x`", "a\"b", "new\nline", "back\\slash", "*", "~", "!x", "é")) {
      Process proc = new ProcessBuilder("bash", "-c", "printf '%s' " + SparkSubmitJobs.quote(w)).start();
      String got = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(proc.waitFor(10, TimeUnit.SECONDS));
      assertEquals(w, got, "quoted as " + SparkSubmitJobs.quote(w));
    }
  }

  @Test
  void secretsAreRefusedWithAPointerToTheEnvironment() throws Exception {
    Path f = dir.resolve("s.yaml");
    for (String bad : List.of("config: {s3.secret_key: hunter2}", "spark: {hadoop.fs.s3a.secret.key: hunter2}", "config: {qa.openai.api_key: hunter2}")) {
      Files.writeString(f, "name: s\n" + bad + "\nsteps:\n  - {id: books, job: ingest books}\n");
      Pipeline p = PipelineFile.load(f, Map.of(), null, null);
      UserError e = assertThrows(UserError.class, () -> SparkSubmitJobs.command(p, p.step("books"), target()));
      assertTrue(e.getMessage().contains("looks like a secret") && e.getMessage().contains("environment"), e.getMessage());
      assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }
    Files.writeString(f, "name: s\nsteps:\n  - {id: books, job: ingest books, args: [--set, s3.secret_key=hunter2]}\n");
    Pipeline p = PipelineFile.load(f, Map.of(), null, null);
    assertThrows(UserError.class, () -> SparkSubmitJobs.script(p, p.ordered(), target(), dir));
    // the tokenizer is no secret (the redaction pattern takes "token" only as a whole word), nor the name of the
    // environment variable that holds one
    Files.writeString(f, "name: s\nconfig: {tokenizer: t.model, qa.openai.api_key_env: MY_KEY}\nsteps:\n  - {id: books, job: ingest books}\n");
    Pipeline ok = PipelineFile.load(f, Map.of(), null, null);
    assertTrue(SparkSubmitJobs.command(ok, ok.step("books"), target()).containsAll(List.of("tokenizer=t.model", "qa.openai.api_key_env=MY_KEY")));
  }
}
