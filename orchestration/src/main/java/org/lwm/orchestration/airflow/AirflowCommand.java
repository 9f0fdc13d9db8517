package org.lwm.orchestration.airflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.lwm.core.cli.CommandGroup;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.orchestration.airflow.AirflowClient.DagRun;
import org.lwm.orchestration.airflow.AirflowClient.TaskInstance;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code lwm airflow …}: {@code render} a pipeline as a DAG ({@link RenderCommand}); look at and drive a deployed
 * Airflow 2 or 3 through its REST API. Each
 * sub-command is a small class below; a new one is a class plus a line in {@code subcommands}.
 */
@Command(name = "airflow", mixinStandardHelpOptions = true,
    description = "Render pipelines as Airflow 2/3 DAGs; drive a deployed Airflow (2: REST API v1, 3: REST API v2): list, trigger and follow DAG runs.",
    subcommands = {
        RenderCommand.class,
        AirflowCommand.Dags.class,
        AirflowCommand.Trigger.class,
        AirflowCommand.Runs.class,
        AirflowCommand.Tasks.class,
        AirflowCommand.Logs.class,
        AirflowCommand.Pause.class,
        AirflowCommand.Unpause.class,
        AirflowCommand.ImportErrors.class,
    })
public final class AirflowCommand extends CommandGroup {
  private static final ObjectMapper OUT_JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(SerializationFeature.INDENT_OUTPUT);

  private final Function<AirflowSettings, HttpClient> httpClients;
  private final Map<String, String> env;

  public AirflowCommand() {
    this(AirflowCommand::httpClient, System.getenv());
  }

  /** Tests pass their own HTTP client (to watch every exchange) and environment. */
  AirflowCommand(Function<AirflowSettings, HttpClient> httpClients, Map<String, String> env) {
    this.httpClients = httpClients;
    this.env = env;
  }

  /** HTTP/1.1: Airflow's servers speak it, and the client's h2c upgrade attempt only costs time; no redirects, so credentials stay with airflow.url. */
  public static HttpClient httpClient(AirflowSettings s) {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(s.connectTimeout)
        .followRedirects(HttpClient.Redirect.NEVER).build();
  }

  /** Options every sub-command takes. */
  static final class Connection {
    @Option(names = "--config", paramLabel = "FILE", description = "YAML config file (airflow.url, airflow.api, ...).")
    Path configFile;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config key (repeatable), e.g. --set airflow.url=http://airflow:8080.")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--url", paramLabel = "URL", description = "Airflow's webserver root (config airflow.url, env AIRFLOW_URL; default http://localhost:8080).")
    String url;

    @Option(names = "--api", paramLabel = "v1|v2|auto", description = "REST API version: v1 (Airflow 2), v2 (Airflow 3) or auto (config airflow.api; default auto).")
    String api;

    @Option(names = "--json", description = "Print JSON for scripts instead of a table.")
    boolean json;

    @Option(names = {"-v", "--verbose"}, description = "Print each HTTP request's method, path, status and time on stderr (never credentials).")
    boolean verbose;

    Config config() {
      Map<String, String> o = new LinkedHashMap<>(overrides);
      if (url != null) o.put("airflow.url", url);
      if (api != null) o.put("airflow.api", api);
      return Config.load(configFile, o);
    }
  }

  abstract static class Sub implements Callable<Integer> {
    @ParentCommand AirflowCommand parent;
    @Mixin Connection connection;
    private AirflowClient client;

    AirflowClient client() {
      if (client == null) {
        AirflowSettings s = AirflowSettings.from(connection.config(), parent.env);
        client = AirflowClient.connect(s, parent.httpClients.apply(s), connection.verbose ? System.err : null);
      }
      return client;
    }

    Config config() {
      return connection.config();
    }

    PrintStream out() {
      return System.out;
    }

    void json(Object value) {
      try {
        out().println(OUT_JSON.writeValueAsString(value));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  @Command(name = "dags", mixinStandardHelpOptions = true, description = "List DAGs: paused or not, schedule, next run, tags.")
  static final class Dags extends Sub {
    @Option(names = "--pattern", paramLabel = "P", description = "Only DAG ids matching P (Airflow 2: substring; Airflow 3: SQL LIKE, e.g. lwm%%).")
    String pattern;

    @Option(names = "--limit", defaultValue = "100", description = "At most N DAGs (default ${DEFAULT-VALUE}).")
    int limit;

    @Override
    public Integer call() {
      AirflowClient.Page<AirflowClient.Dag> page = client().dags(pattern, limit);
      if (connection.json) {
        json(page);
        return 0;
      }
      TextTable t = new TextTable("dag_id", "paused", "schedule", "next run", "tags");
      for (AirflowClient.Dag d : page.items()) t.row(d.dagId(), d.paused() ? "yes" : "no", d.schedule(), d.nextRun(), String.join(",", d.tags()));
      t.print(out());
      footer(page.items().size(), page.total(), "DAGs");
      return 0;
    }

    private void footer(int shown, long total, String what) {
      if (shown == 0) out().println("(no " + what + ")");
      else if (shown < total) out().println("(" + shown + " of " + total + " " + what + "; raise --limit for more)");
    }
  }

  @Command(name = "trigger", mixinStandardHelpOptions = true,
      description = "Trigger a DAG run; with --wait follow it to its end (exit 0 on success, 1 on failure with the failed task's log).")
  static final class Trigger extends Sub {
    @Parameters(index = "0", paramLabel = "DAG", description = "The DAG's id.") String dagId;

    @Option(names = "--conf", paramLabel = "JSON", description = "The run's conf, a JSON object, e.g. '{\"lake\": \"s3a://b/lake\"}'.")
    String conf;

    @Option(names = "--run-id", paramLabel = "ID", description = "The run's id (default lwm__<UTC time>_<random>).")
    String runId;

    @Option(names = "--wait", description = "Poll the run until it succeeds or fails.")
    boolean waitForEnd;

    @Option(names = "--poll", paramLabel = "SECONDS", description = "Seconds between polls (config airflow.poll_seconds; default 5).")
    Double poll;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "0", description = "Give up waiting after this long (default 0: no limit).")
    double timeout;

    @Option(names = "--log-lines", paramLabel = "N", defaultValue = "30", description = "Lines of a failed task's log to print (default ${DEFAULT-VALUE}).")
    int logLines;

    @Override
    public Integer call() {
      JsonNode confJson = null;
      if (conf != null) {
        try {
          confJson = AirflowHttp.JSON.readTree(conf);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
          throw new UserError("--conf is not JSON: " + AirflowHttp.oneLine(e.getOriginalMessage()));
        }
      }
      AirflowClient c = client();
      String id = runId != null ? runId : AirflowClient.newRunId(Clock.systemUTC());
      if (waitForEnd && c.dag(dagId).paused()) {
        System.err.println("warning: DAG " + dagId + " is paused: its run stays queued until 'lwm airflow unpause " + dagId + "'");
      }
      DagRun run = c.trigger(dagId, id, confJson);
      if (!waitForEnd) {
        if (connection.json) json(run);
        else out().println("triggered run " + run.runId() + " of DAG " + dagId + " (" + run.state() + ")");
        return 0;
      }
      if (!connection.json) out().println("triggered run " + run.runId() + " of DAG " + dagId);
      run = follow(c, run);
      if (connection.json) json(run);
      if ("success".equals(run.state())) {
        if (!connection.json) out().println("run " + run.runId() + " of DAG " + dagId + " succeeded");
        return 0;
      }
      throw failure(c, run);
    }

    private DagRun follow(AirflowClient c, DagRun run) {
      double pollSeconds = poll != null ? poll : config().getDouble("airflow.poll_seconds", 5);
      if (!(pollSeconds > 0)) throw new UserError("--poll must be a positive number of seconds, got " + pollSeconds);
      long start = System.nanoTime();
      String last = null;
      while (true) {
        if (!run.state().equals(last) && !connection.json) {
          out().println(LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + "  " + run.state());
          last = run.state();
        }
        if (run.finished()) return run;
        double waited = (System.nanoTime() - start) / 1e9;
        if (timeout > 0 && waited >= timeout) {
          throw new UserError("run " + run.runId() + " of DAG " + dagId + " is still " + run.state() + " after " + Math.round(waited)
              + " s (--timeout): follow it with 'lwm airflow tasks " + dagId + " " + run.runId() + "'");
        }
        try {
          Thread.sleep(Duration.ofNanos((long) (pollSeconds * 1e9)).toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new UserError("interrupted while waiting for run " + run.runId() + " of DAG " + dagId);
        }
        run = c.run(dagId, run.runId());
      }
    }

    /** Prints which tasks failed and the end of their logs on stderr; the returned error is the one line. */
    private UserError failure(AirflowClient c, DagRun run) {
      List<TaskInstance> failed = new ArrayList<>();
      for (TaskInstance t : c.tasks(dagId, run.runId())) if ("failed".equals(t.state())) failed.add(t);
      if (failed.isEmpty()) {
        return new UserError("run " + run.runId() + " of DAG " + dagId + " failed with no failed task (marked failed, or it timed out): see 'lwm airflow tasks "
            + dagId + " " + run.runId() + "'");
      }
      PrintStream err = System.err;
      for (TaskInstance t : failed.subList(0, Math.min(3, failed.size()))) {
        String name = taskName(t);
        err.println("task " + name + " failed (try " + t.tryNumber() + "); the last lines of its log:");
        try {
          List<String> lines = c.log(dagId, run.runId(), t.taskId(), t.mapIndex(), Math.max(1, t.tryNumber()));
          for (String l : lines.subList(Math.max(0, lines.size() - logLines), lines.size())) err.println("  | " + l);
        } catch (UserError e) {
          err.println("  (no log: " + e.getMessage() + ")");
        }
      }
      err.flush();
      List<String> names = new ArrayList<>();
      for (TaskInstance t : failed) names.add(taskName(t));
      return new UserError("run " + run.runId() + " of DAG " + dagId + " failed: task " + String.join(", ", names) + " failed");
    }
  }

  @Command(name = "runs", mixinStandardHelpOptions = true, description = "A DAG's runs, newest first.")
  static final class Runs extends Sub {
    @Parameters(index = "0", paramLabel = "DAG", description = "The DAG's id.") String dagId;

    @Option(names = "--limit", defaultValue = "20", description = "At most N runs (default ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--state", paramLabel = "S", description = "Only runs in state S: queued, running, success or failed.")
    String state;

    @Override
    public Integer call() {
      AirflowClient.Page<DagRun> page = client().runs(dagId, limit, state);
      if (connection.json) {
        json(page);
        return 0;
      }
      TextTable t = new TextTable("run_id", "state", "date", "started", "ended");
      for (DagRun r : page.items()) t.row(r.runId(), r.state(), r.date(), r.startDate(), r.endDate());
      t.print(out());
      if (t.isEmpty()) out().println("(no runs of DAG " + dagId + (state == null ? "" : " in state " + state) + ")");
      return 0;
    }
  }

  @Command(name = "tasks", mixinStandardHelpOptions = true, description = "The task instances of a run (default: the newest run).")
  static final class Tasks extends Sub {
    @Parameters(index = "0", paramLabel = "DAG", description = "The DAG's id.") String dagId;
    @Parameters(index = "1", paramLabel = "RUN_ID", arity = "0..1", description = "The run's id (default: the newest run).") String runId;

    @Override
    public Integer call() {
      AirflowClient c = client();
      String id = runId != null ? runId : newestRun(c, dagId);
      List<TaskInstance> tasks = c.tasks(dagId, id);
      if (connection.json) {
        json(tasks);
        return 0;
      }
      out().println("run " + id + " of DAG " + dagId);
      TextTable t = new TextTable("task_id", "state", "try", "started", "ended", "seconds");
      for (TaskInstance ti : tasks) {
        t.row(taskName(ti), ti.state(), ti.tryNumber(), ti.startDate(), ti.endDate(), ti.duration() == null ? null : String.format("%.1f", ti.duration()));
      }
      t.print(out());
      return 0;
    }
  }

  @Command(name = "logs", mixinStandardHelpOptions = true, description = "A task's log (default: its latest try).")
  static final class Logs extends Sub {
    @Parameters(index = "0", paramLabel = "DAG", description = "The DAG's id.") String dagId;
    @Parameters(index = "1", paramLabel = "RUN_ID", description = "The run's id.") String runId;
    @Parameters(index = "2", paramLabel = "TASK_ID", description = "The task's id.") String taskId;

    @Option(names = "--try", paramLabel = "N", description = "Which try (default: the task instance's latest).")
    Integer tryNumber;

    @Option(names = "--map-index", paramLabel = "I", defaultValue = "-1", description = "The instance of a mapped task (default: not mapped).")
    int mapIndex;

    @Option(names = "--tail", paramLabel = "N", defaultValue = "0", description = "Only the last N lines (default 0: all).")
    int tail;

    @Override
    public Integer call() {
      AirflowClient c = client();
      int n = tryNumber != null ? tryNumber : Math.max(1, c.task(dagId, runId, taskId).tryNumber());
      List<String> lines = c.log(dagId, runId, taskId, mapIndex, n);
      if (tail > 0 && lines.size() > tail) lines = lines.subList(lines.size() - tail, lines.size());
      if (connection.json) {
        json(Map.of("dag_id", dagId, "run_id", runId, "task_id", taskId, "try_number", n, "lines", lines));
      } else {
        for (String l : lines) out().println(l);
        out().flush();
      }
      return 0;
    }
  }

  /** pause and unpause: one PATCH of is_paused. */
  abstract static class PausedState extends Sub {
    @Parameters(index = "0", paramLabel = "DAG", description = "The DAG's id.") String dagId;

    abstract boolean paused();

    @Override
    public Integer call() {
      AirflowClient.Dag d = client().setPaused(dagId, paused());
      if (connection.json) json(d);
      else out().println("DAG " + dagId + (paused() ? " paused" : " unpaused"));
      return 0;
    }
  }

  @Command(name = "pause", mixinStandardHelpOptions = true, description = "Pause a DAG: the scheduler starts no new runs of it.")
  static final class Pause extends PausedState {
    @Override boolean paused() { return true; }
  }

  @Command(name = "unpause", mixinStandardHelpOptions = true, description = "Unpause a DAG: the scheduler runs it again.")
  static final class Unpause extends PausedState {
    @Override boolean paused() { return false; }
  }

  @Command(name = "import-errors", mixinStandardHelpOptions = true, description = "DAG files Airflow failed to import, with the error.")
  static final class ImportErrors extends Sub {
    @Option(names = "--limit", defaultValue = "100", description = "At most N errors (default ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--full", description = "Print each whole stack trace instead of its last line.")
    boolean full;

    @Override
    public Integer call() {
      AirflowClient.Page<AirflowClient.DagImportError> page = client().importErrors(limit);
      if (connection.json) {
        json(page);
        return 0;
      }
      if (page.items().isEmpty()) {
        out().println("(no import errors)");
        return 0;
      }
      if (full) {
        for (AirflowClient.DagImportError e : page.items()) {
          out().println(e.filename() + " (" + e.timestamp() + "):");
          e.stackTrace().lines().forEach(l -> out().println("  " + l));
        }
        return 0;
      }
      TextTable t = new TextTable("id", "file", "when", "error");
      for (AirflowClient.DagImportError e : page.items()) t.row(e.id(), e.filename(), e.timestamp(), lastLine(e.stackTrace()));
      t.print(out());
      return 0;
    }

    /** A Python traceback ends with the exception and its message, the line worth a table cell. */
    private static String lastLine(String trace) {
      if (trace == null) return null;
      List<String> lines = trace.strip().lines().toList();
      return lines.isEmpty() ? "" : lines.get(lines.size() - 1).strip();
    }
  }

  private static String newestRun(AirflowClient c, String dagId) {
    List<DagRun> runs = c.runs(dagId, 1, null).items();
    if (runs.isEmpty()) throw new UserError("DAG " + dagId + " has no runs yet: trigger one with 'lwm airflow trigger " + dagId + "'");
    return runs.get(0).runId();
  }

  private static String taskName(TaskInstance t) {
    return t.mapIndex() >= 0 ? t.taskId() + "[" + t.mapIndex() + "]" : t.taskId();
  }
}
