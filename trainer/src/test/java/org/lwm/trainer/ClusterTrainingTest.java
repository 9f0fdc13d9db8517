package org.lwm.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lwm.core.spark.JvmFlags;
import org.lwm.trainer.train.StagedTraining;
import org.lwm.trainer.train.TrainConfig;

/**
 * Training across JVMs: a real Spark standalone cluster (a Master and two Workers of one core each, started here
 * from the test classpath on loopback), the ranks as barrier tasks talking over TCP. The losses equal those of the
 * same config run as threads in this JVM (bit for bit: with two ranks per ring every sum adds the same two numbers),
 * and a run whose executor is killed with kill -9 mid-stage restarts the gang from the last checkpoint and ends
 * with the same loss trajectory (one run checks both). Then {@code local-cluster[2,1,1536]} with dp=2 against threads with dp=2.
 */
class ClusterTrainingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Under target/, so the daemons' and drivers' logs are there to read when the test fails. */
  private static Path tmp;
  private static final List<Process> daemons = new ArrayList<>();
  private static String masterUrl, classpath;
  private static Path sparkHome;

  static String classpath() {
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    return cp;
  }

  static List<String> jvmFlags() {
    return JvmFlags.ofThisJvm();
  }

  static ProcessBuilder java(Path log, String main, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx768m");
    cmd.addAll(jvmFlags());
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.add(main);
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("SPARK_HOME", sparkHome.toString());
    pb.environment().put("SPARK_SCALA_VERSION", "2.12");
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    return pb;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @BeforeAll
  static void startCluster() throws Exception {
    tmp = Path.of("target", "cluster-test").toAbsolutePath();
    org.lwm.trainer.train.StagedTrainingTestAccess.deleteTree(tmp);
    Files.createDirectories(tmp);
    classpath = classpath();
    sparkHome = Files.createDirectories(tmp.resolve("spark-home"));
    Files.createDirectories(sparkHome.resolve("jars")); // executors are launched with $SPARK_HOME/jars/*: empty here
    int port = freePort(), ui = freePort();
    masterUrl = "spark://127.0.0.1:" + port;
    daemons.add(java(tmp.resolve("master.log"), "org.apache.spark.deploy.master.Master",
        "--host", "127.0.0.1", "--port", Integer.toString(port), "--webui-port", Integer.toString(ui)).start());
    for (int w = 0; w < 2; w++) {
      Path work = Files.createDirectories(tmp.resolve("worker" + w));
      daemons.add(java(tmp.resolve("worker" + w + ".log"), "org.apache.spark.deploy.worker.Worker",
          "--host", "127.0.0.1", "--cores", "1", "--memory", "1536m", "--webui-port", Integer.toString(freePort()),
          "--work-dir", work.toString(), masterUrl).start());
    }
    // the workers are up once both registered with the master
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (aliveWorkers(ui) < 2) {
      assertTrue(System.nanoTime() < until, "workers did not register:\n" + Files.readString(tmp.resolve("master.log"))
          + Files.readString(tmp.resolve("worker0.log")));
      Thread.sleep(300);
    }
  }

  /** The master's own count, from its web UI's JSON. */
  static int aliveWorkers(int ui) {
    try {
      var c = java.net.http.HttpClient.newHttpClient();
      var r = c.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + ui + "/json/")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      return JSON.readTree(r.body()).path("aliveworkers").asInt(0);
    } catch (IOException e) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  @AfterAll
  static void stopCluster() {
    for (Process p : daemons) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  static int count(Path log, String what) throws IOException {
    if (!Files.exists(log)) return 0;
    return Files.readString(log).split(java.util.regex.Pattern.quote(what), -1).length - 1;
  }

  /** A two-stage-free config: one stage of 6 steps, checkpoints every 3, on rows of a learnable pattern. */
  static Path config(Path dir, int dp, int sp, int steps, int every) throws Exception {
    Files.createDirectories(dir);
    TrainingTest.writeRows(dir.resolve("rows.jsonl"), 8, 128, 3);
    Path cfg = dir.resolve("train.yaml");
    Files.writeString(cfg, String.join("\n",
        "output: run",
        "seed: 11",
        "model: {vocab_size: 48, hidden_size: 64, intermediate_size: 128, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2}",
        "parallel: {dp: " + dp + ", sp: " + sp + ", layout: zigzag, query_chunk: 32, key_chunk: 32, attempts: 3, peer_timeout_s: 60}",
        "checkpoint_every: " + every,
        "stages:",
        "  - {name: s, seq_len: 128, rope_theta: 10000, steps: " + steps + ", sequences_per_step: 2, lr: 1.0e-2,"
            + " warmup_steps: 1, schedule: cosine, data: {jsonl: rows.jsonl}}",
        ""));
    return cfg;
  }

  /** (step, loss, grad norm) per line of metrics.jsonl, the last line for a step that ran twice. */
  static List<double[]> losses(Path run) throws IOException {
    java.util.TreeMap<Integer, double[]> byStep = new java.util.TreeMap<>();
    for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      JsonNode n = JSON.readTree(line);
      byStep.put(n.get("step").asInt(), new double[] {n.get("step").asInt(), n.get("loss").asDouble(), n.get("grad_norm").asDouble()});
    }
    return new ArrayList<>(byStep.values());
  }

  static List<double[]> threads(Path cfg) throws IOException {
    new StagedTraining(TrainConfig.load(cfg), stage -> org.lwm.trainer.data.StageRows.jsonLines(stage.jsonl()), new PrintStream(new ByteArrayOutputStream())).run(null);
    return losses(cfg.getParent().resolve("run"));
  }

  /** {@code lwm train --config F --master M} in its own driver JVM (this JVM may hold the tests' local session). */
  static Process driver(Path cfg, String master, Path log) throws IOException {
    return java(log, "org.lwm.trainer.TrainMain", "--config", cfg.toString(), "--master", master,
        "--set", "spark.executor.extraClassPath=" + classpath,
        "--set", "spark.executor.memory=1g",
        // executors say which task they run (the kill waits for the second segment's)
        "--set", "spark.executor.extraJavaOptions=-Dlog4j2.configurationFile=" + executorLogConfig().toUri(),
        "--set", "spark.driver.host=127.0.0.1",
        "--set", "spark.ui.enabled=false",
        "--set", "spark.scheduler.barrier.maxConcurrentTasksCheck.interval=1s",
        "--set", "spark.scheduler.barrier.maxConcurrentTasksCheck.maxFailures=120").start();
  }

  static Path executorLogConfig() throws IOException {
    Path f = tmp.resolve("executor-log4j2.properties");
    Files.writeString(f, String.join("\n",
        "rootLogger.level = warn", "rootLogger.appenderRef.err.ref = err",
        "appender.err.type = Console", "appender.err.name = err", "appender.err.target = SYSTEM_ERR",
        "appender.err.layout.type = PatternLayout", "appender.err.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n",
        "logger.executor.name = org.apache.spark.executor.Executor", "logger.executor.level = info", ""));
    return f;
  }

  static void finish(Process p, Path log, int seconds) throws Exception {
    boolean done = p.waitFor(seconds, TimeUnit.SECONDS);
    if (!done) p.destroyForcibly();
    assertTrue(done && p.exitValue() == 0, "driver failed:\n" + Files.readString(log));
  }

  static void assertSameLosses(List<double[]> want, List<double[]> got, String what) {
    assertEquals(want.size(), got.size(), what + ": steps");
    for (int i = 0; i < want.size(); i++) {
      assertEquals(want.get(i)[1], got.get(i)[1], 0.0, what + ": loss of step " + (i + 1));
      assertEquals(want.get(i)[2], got.get(i)[2], 0.0, what + ": grad norm of step " + (i + 1));
    }
  }

  @Test
  void ringAcrossTwoWorkersSurvivesKillNineWithTheSameLosses() throws Exception {
    List<double[]> local = threads(config(tmp.resolve("threads"), 1, 2, 6, 3));
    assertTrue(local.get(5)[1] < local.get(0)[1], "loss should fall");

    // on the cluster: once the second segment (steps 4-6) runs on the executors, kill -9 one of them
    Path cfg = config(tmp.resolve("killed"), 1, 2, 6, 3);
    Path log = tmp.resolve("killed.log");
    Process p = driver(cfg, masterUrl, log);
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
    Path executorLog = null;
    while (executorLog == null) {
      assertTrue(p.isAlive() && System.nanoTime() < until, "the second segment never started:\n" + Files.readString(log));
      Thread.sleep(100);
      executorLog = runningSecondSegment();
    }
    Thread.sleep(300);
    // the executor is the worker's child that writes that log
    int worker = executorLog.startsWith(tmp.resolve("worker0")) ? 0 : 1;
    Optional<ProcessHandle> executor = daemons.get(1 + worker).descendants()
        .filter(h -> commandLine(h).contains("CoarseGrainedExecutorBackend")).findFirst();
    assertTrue(executor.isPresent(), "no executor under worker " + worker);
    new ProcessBuilder("kill", "-9", Long.toString(executor.get().pid())).inheritIO().start().waitFor();
    finish(p, log, 300);
    String out = Files.readString(log);
    assertTrue(out.contains("a rank failed") && out.contains("attempt 2 of 3"), "the kill did not hit a running segment:\n" + out);
    assertTrue(out.contains("compute") && out.contains("wait"), "the progress line splits compute and wait:\n" + out);
    // threads vs TCP, and uninterrupted vs killed: the same bits (two ranks per ring, so every sum adds the same pair)
    assertSameLosses(local, losses(cfg.getParent().resolve("run")), "threads vs TCP with kill -9");
  }

  /** From /proc: ProcessHandle.Info gives up on command lines as long as an executor's classpath. */
  static String commandLine(ProcessHandle h) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc", Long.toString(h.pid()), "cmdline")), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** The stderr of an executor running a task of stage 1 (the second segment's barrier stage), or null. */
  static Path runningSecondSegment() throws IOException {
    for (String w : new String[] {"worker0", "worker1"}) {
      try (var files = Files.walk(tmp.resolve(w))) {
        for (Path f : files.filter(f -> f.getFileName().toString().equals("stderr")).toList()) {
          if (count(f, "in stage 1.0") > 0) return f;
        }
      }
    }
    return null;
  }

  @Test
  void dataParallelOnLocalCluster() throws Exception {
    List<double[]> local = threads(config(tmp.resolve("dp-threads"), 2, 1, 2, 2));
    Path cfg = config(tmp.resolve("dp-cluster"), 2, 1, 2, 2);
    Path log = tmp.resolve("dp.log");
    finish(driver(cfg, "local-cluster[2,1,1536]", log), log, 180);
    assertSameLosses(local, losses(cfg.getParent().resolve("run")), "threads vs local-cluster, dp=2");
  }

  static {
    // keep the children's classpath string sane on any JVM
    assertTrue(File.pathSeparatorChar == ':');
  }
}
