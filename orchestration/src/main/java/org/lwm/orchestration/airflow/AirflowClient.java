package org.lwm.orchestration.airflow;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import org.lwm.core.cli.UserError;

/**
 * The Airflow REST endpoints {@code lwm airflow …} needs, for Airflow 2 ({@code /api/v1}) and Airflow 3
 * ({@code /api/v2}), answering records that read the same for both versions.
 */
public final class AirflowClient {
  public record Dag(String dagId, boolean paused, String schedule, List<String> tags, String nextRun) {}

  /** {@code date} is the logical date, or for Airflow 3 runs without one, when the run was due. */
  public record DagRun(String dagId, String runId, String state, String date, String startDate, String endDate) {
    public boolean finished() {
      return "success".equals(state) || "failed".equals(state);
    }
  }

  public record TaskInstance(String taskId, int mapIndex, String state, int tryNumber, String startDate, String endDate,
      Double duration, String operator) {}

  public record DagImportError(long id, String filename, String timestamp, String stackTrace) {}

  /** A list as far as it was read, and how many the server has in all. */
  public record Page<T>(List<T> items, long total) {}

  private final AirflowHttp http;
  private final AirflowApi api;
  private final AirflowAuth auth;

  private AirflowClient(AirflowHttp http, AirflowApi api, AirflowAuth auth) {
    this.http = http;
    this.api = api;
    this.auth = auth;
  }

  /** Resolves {@code airflow.api=auto} by asking the server, and picks the authentication that version uses. */
  public static AirflowClient connect(AirflowSettings s, HttpClient client, PrintStream trace) {
    AirflowHttp http = new AirflowHttp(client, s, trace);
    AirflowApi api = s.api != null ? s.api : detect(http, s);
    AirflowAuth auth;
    if (api == AirflowApi.V2 && (s.hasPassword() || s.token != null)) {
      auth = new AirflowTokenAuth(http, s.username, s.password, s.token, Clock.systemUTC());
    } else if (s.token != null) {
      auth = AirflowAuth.bearer(s.token);
    } else if (s.hasPassword()) {
      auth = AirflowAuth.basic(s.username, s.password);
    } else {
      auth = AirflowAuth.none();
    }
    return new AirflowClient(http, api, auth);
  }

  /** Airflow 3 answers {@code /api/v2/version} without credentials; Airflow 2 has only {@code /api/v1}. */
  private static AirflowApi detect(AirflowHttp http, AirflowSettings s) {
    String what = "tell which API Airflow speaks (set airflow.api=v1 or v2 to skip asking)";
    AirflowHttp.Response v2 = http.exchange("GET", AirflowApi.V2.prefix() + "/version", null, what, AirflowAuth.none());
    if (v2.ok()) return AirflowApi.V2;
    AirflowAuth v1auth = s.token != null ? AirflowAuth.bearer(s.token) : s.hasPassword() ? AirflowAuth.basic(s.username, s.password) : AirflowAuth.none();
    AirflowHttp.Response v1 = http.exchange("GET", AirflowApi.V1.prefix() + "/version", null, what, v1auth);
    // a 401/403 still says the v1 API is there; the real call reports the credentials
    if (v1.ok() || v1.status() == 401 || v1.status() == 403) return AirflowApi.V1;
    throw new UserError("cannot " + what + ": Airflow at " + s.url + " answered HTTP " + v2.status() + " to /api/v2/version and HTTP "
        + v1.status() + " to /api/v1/version: is airflow.url the webserver's root?");
  }

  public AirflowApi api() {
    return api;
  }

  public String version() {
    return http.call("GET", api.prefix() + "/version", null, "read Airflow's version", auth).path("version").asText("?");
  }

  public Page<Dag> dags(String pattern, int limit) {
    String query = pattern == null ? "" : "dag_id_pattern=" + enc(pattern);
    return collect("/dags", query, "dags", limit, "list DAGs", this::dag);
  }

  public Dag dag(String dagId) {
    return dag(http.call("GET", api.prefix() + "/dags/" + seg(dagId), null, "read DAG " + dagId, auth));
  }

  public Dag setPaused(String dagId, boolean paused) {
    String q = api.pauseQuery();
    JsonNode body = AirflowHttp.JSON.createObjectNode().put("is_paused", paused);
    return dag(http.call("PATCH", api.prefix() + "/dags/" + seg(dagId) + (q.isEmpty() ? "" : "?" + q), body,
        (paused ? "pause" : "unpause") + " DAG " + dagId, auth));
  }

  /**
   * Triggers a run with the given id (so a retried POST that had reached the server is recognised by its
   * 409 instead of starting a second run).
   */
  public DagRun trigger(String dagId, String runId, JsonNode conf) {
    if (conf != null && !conf.isObject()) throw new UserError("--conf must be a JSON object, e.g. '{\"lake\": \"s3a://bucket/lake\"}'");
    String what = "trigger DAG " + dagId;
    AirflowHttp.Response r = http.exchange("POST", api.prefix() + "/dags/" + seg(dagId) + "/dagRuns",
        api.triggerBody(runId, conf == null ? AirflowHttp.JSON.createObjectNode() : conf), what, auth);
    if (r.status() == 409 && r.tries() > 1) return run(dagId, runId); // our own earlier try went through
    if (r.status() == 409) throw new UserError("cannot " + what + ": it already has a run " + runId + " (HTTP 409): pick another --run-id");
    if (!r.ok()) throw http.error(r, what, auth);
    return run(r.json());
  }

  public DagRun run(String dagId, String runId) {
    return run(http.call("GET", api.prefix() + "/dags/" + seg(dagId) + "/dagRuns/" + seg(runId), null,
        "read run " + runId + " of DAG " + dagId, auth));
  }

  public Page<DagRun> runs(String dagId, int limit, String state) {
    String query = "order_by=" + enc(api.newestRunsFirst()) + (state == null ? "" : "&state=" + enc(state));
    return collect("/dags/" + seg(dagId) + "/dagRuns", query, "dag_runs", limit, "list the runs of DAG " + dagId, this::run);
  }

  public List<TaskInstance> tasks(String dagId, String runId) {
    return collect("/dags/" + seg(dagId) + "/dagRuns/" + seg(runId) + "/taskInstances", "", "task_instances", Integer.MAX_VALUE,
        "list the tasks of run " + runId + " of DAG " + dagId, AirflowClient::task).items();
  }

  public TaskInstance task(String dagId, String runId, String taskId) {
    return task(http.call("GET", api.prefix() + "/dags/" + seg(dagId) + "/dagRuns/" + seg(runId) + "/taskInstances/" + seg(taskId), null,
        "read task " + taskId + " of run " + runId + " of DAG " + dagId, auth));
  }

  /** The whole log of one try of a task (a mapped task's instance when {@code mapIndex >= 0}). */
  public List<String> log(String dagId, String runId, String taskId, int mapIndex, int tryNumber) {
    String path = api.prefix() + "/dags/" + seg(dagId) + "/dagRuns/" + seg(runId) + "/taskInstances/" + seg(taskId) + "/logs/" + tryNumber
        + "?full_content=true" + (mapIndex >= 0 ? "&map_index=" + mapIndex : "");
    return AirflowApi.logLines(http.call("GET", path, null,
        "read the log of task " + taskId + " (try " + tryNumber + ") of run " + runId + " of DAG " + dagId, auth));
  }

  public Page<DagImportError> importErrors(int limit) {
    return collect("/importErrors", "", "import_errors", limit, "list import errors", j -> new DagImportError(
        j.path("import_error_id").asLong(), text(j, "filename"), text(j, "timestamp"), text(j, "stack_trace")));
  }

  /** A fresh run id: when it was asked for, and a random tail so two triggers in one millisecond differ. */
  public static String newRunId(Clock clock) {
    String when = ZonedDateTime.now(clock).withZoneSameInstant(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"));
    return "lwm__" + when + "_" + Integer.toHexString(0x1000 + ThreadLocalRandom.current().nextInt(0xF000));
  }

  /** Pages through a collection (the server caps a page at its own maximum) until {@code limit} items or its end. */
  private <T> Page<T> collect(String path, String query, String field, int limit, String what, Function<JsonNode, T> item) {
    List<T> items = new ArrayList<>();
    long total = 0;
    while (items.size() < limit) {
      int page = Math.min(100, limit - items.size());
      String q = (query.isEmpty() ? "" : query + "&") + "limit=" + page + "&offset=" + items.size();
      JsonNode body = http.call("GET", api.prefix() + path + "?" + q, null, what, auth);
      total = body.path("total_entries").asLong(0);
      JsonNode list = body.path(field);
      for (JsonNode j : list) if (items.size() < limit) items.add(item.apply(j));
      if (list.size() == 0 || items.size() >= total) break;
    }
    return new Page<>(items, Math.max(total, items.size()));
  }

  private Dag dag(JsonNode j) {
    List<String> tags = new ArrayList<>();
    for (JsonNode t : j.path("tags")) tags.add(t.path("name").asText());
    String schedule = api == AirflowApi.V2 ? text(j, "timetable_summary") : text(j, "timetable_description");
    if (schedule == null && api == AirflowApi.V1) schedule = text(j.path("schedule_interval"), "value");
    String next = api == AirflowApi.V1 ? text(j, "next_dagrun_create_after") : text(j, "next_dagrun_run_after");
    return new Dag(text(j, "dag_id"), j.path("is_paused").asBoolean(false), schedule, tags, next);
  }

  private DagRun run(JsonNode j) {
    String date = api == AirflowApi.V1 ? firstText(j, "logical_date", "execution_date") : firstText(j, "logical_date", "run_after");
    return new DagRun(text(j, "dag_id"), text(j, "dag_run_id"), text(j, "state"), date, text(j, "start_date"), text(j, "end_date"));
  }

  private static TaskInstance task(JsonNode j) {
    JsonNode d = j.get("duration");
    return new TaskInstance(text(j, "task_id"), j.path("map_index").asInt(-1), j.hasNonNull("state") ? j.get("state").asText() : "none",
        j.path("try_number").asInt(0), text(j, "start_date"), text(j, "end_date"), d == null || !d.isNumber() ? null : d.asDouble(),
        text(j, "operator"));
  }

  private static String text(JsonNode j, String field) {
    JsonNode v = j.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }

  private static String firstText(JsonNode j, String a, String b) {
    String v = text(j, a);
    return v != null || b == null ? v : text(j, b);
  }

  /** A path segment: run ids hold ':' and '+' (manual__2024-01-01T00:00:00+00:00), which must not reach the path raw. */
  static String seg(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
