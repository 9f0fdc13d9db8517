package org.lwm.orchestration.airflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A small stateful stand-in for Airflow's REST API (v1 or v2), for the flows Prism's mock cannot play:
 * a triggered run goes queued → running → success or failed as it is polled, tokens expire and are
 * revoked, and scripted faults (429 with Retry-After, 5xx, slow answers) hit chosen requests. Its answers
 * follow the spec's schemas; the tests put {@code prism proxy} in front of it, which checks them.
 */
final class FakeAirflow implements AutoCloseable {
  static {
    // the JDK server otherwise leaves Nagle on: small answers wait for the client's delayed ACK
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  static final String USER = "lwm-operator";
  static final String PASSWORD = "s3cret-Pa55word!";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration LEEWAY = Duration.ofMillis(500);
  private static final String WHEN = "2026-12-03T10:00:00+00:00";

  record Seen(String method, String path, long nanos, String body) {}

  /** A scripted fault: the next {@code times} requests whose method and path match answer {@code status} (or are delayed). */
  static final class Fault {
    final String method;
    final String pathPart;
    int times;
    final int status; // 0: do the work, then answer late; -1: revoke every token, then answer normally
    final String retryAfter;
    final Duration delay;

    Fault(String method, String pathPart, int times, int status, String retryAfter, Duration delay) {
      this.method = method;
      this.pathPart = pathPart;
      this.times = times;
      this.status = status;
      this.retryAfter = retryAfter;
      this.delay = delay;
    }
  }

  static final class Dag {
    final String id;
    volatile boolean paused;
    final String outcome; // success or failed
    final int runningPolls;
    final boolean forbidden;

    Dag(String id, String outcome, int runningPolls, boolean forbidden) {
      this.id = id;
      this.outcome = outcome;
      this.runningPolls = runningPolls;
      this.forbidden = forbidden;
    }
  }

  static final class Run {
    final Dag dag;
    final String id;
    final JsonNode conf;
    int polls;

    Run(Dag dag, String id, JsonNode conf) {
      this.dag = dag;
      this.id = id;
      this.conf = conf;
    }

    /** queued when triggered, running for the DAG's number of polls, then its outcome. */
    String state() {
      return polls == 0 ? "queued" : polls <= dag.runningPolls ? "running" : dag.outcome;
    }
  }

  final AirflowApi api;
  private final HttpServer server;
  private final ExecutorService threads = Executors.newFixedThreadPool(8);
  final List<Seen> seen = new CopyOnWriteArrayList<>();
  final Map<String, Dag> dags = new ConcurrentHashMap<>();
  final Map<String, Run> runs = new ConcurrentHashMap<>();
  private final List<Fault> faults = new CopyOnWriteArrayList<>();
  private final Map<HttpExchange, Duration> late = new ConcurrentHashMap<>();
  private final Map<String, Instant> tokens = new ConcurrentHashMap<>();
  final List<String> everyToken = new CopyOnWriteArrayList<>(); // to check that none is ever printed
  volatile int tokensIssued;
  volatile Duration tokenLife = Duration.ofMinutes(10);

  FakeAirflow(AirflowApi api) throws IOException {
    this.api = api;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.setExecutor(threads);
    server.createContext("/", this::handle);
    server.start();
    reset();
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Back to the starting DAGs, no runs, no faults, no tokens. */
  synchronized void reset() {
    seen.clear();
    faults.clear();
    tokens.clear();
    everyToken.clear();
    runs.clear();
    dags.clear();
    tokensIssued = 0;
    tokenLife = Duration.ofMinutes(10);
    add(new Dag("lwm_demo", "success", 2, false));
    add(new Dag("lwm_fail", "failed", 1, false));
    add(new Dag("lwm_secret", "success", 1, true));
  }

  void add(Dag d) {
    dags.put(d.id, d);
  }

  void fail(String method, String pathPart, int times, int status, String retryAfter) {
    faults.add(new Fault(method, pathPart, times, status, retryAfter, Duration.ZERO));
  }

  void delay(String method, String pathPart, int times, Duration delay) {
    faults.add(new Fault(method, pathPart, times, 0, null, delay));
  }

  void revokeTokensOn(String method, String pathPart) {
    faults.add(new Fault(method, pathPart, 1, -1, null, Duration.ZERO));
  }

  List<Seen> seen(String method, String pathPart) {
    List<Seen> r = new ArrayList<>();
    for (Seen s : seen) if (s.method().equals(method) && s.path().contains(pathPart)) r.add(s);
    return r;
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String method = ex.getRequestMethod();
      String path = ex.getRequestURI().getPath();
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      seen.add(new Seen(method, path + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery()), System.nanoTime(), body));
      Fault f = takeFault(method, path);
      if (f != null && f.status == 0) late.put(ex, f.delay); // the work is done, the answer is late
      if (f != null && f.status == -1) tokens.clear();
      if (f != null && f.status > 0) {
        if (f.retryAfter != null) ex.getResponseHeaders().set("Retry-After", f.retryAfter);
        send(ex, f.status, error(f.status, "injected fault"));
        return;
      }
      Map<String, String> query = query(ex.getRequestURI().getRawQuery());
      if (method.equals("POST") && path.equals("/auth/token")) {
        token(ex, body);
        return;
      }
      if (!path.startsWith(api.prefix() + "/")) {
        send(ex, 404, error(404, "Not Found"));
        return;
      }
      String rest = path.substring(api.prefix().length());
      if (rest.equals("/version")) {
        send(ex, 200, JSON.createObjectNode().put("version", api == AirflowApi.V1 ? "2.10.5" : "3.0.6").putNull("git_version"));
        return;
      }
      if (!authorised(ex.getRequestHeaders().getFirst("Authorization"))) {
        send(ex, 401, error(401, "Not authenticated"));
        return;
      }
      route(ex, method, rest.split("/"), query, body);
    } catch (RuntimeException e) {
      e.printStackTrace();
      throw e;
    }
  }

  private synchronized Fault takeFault(String method, String path) {
    for (Fault f : faults) {
      if (f.times > 0 && f.method.equals(method) && path.contains(f.pathPart)) {
        f.times--;
        return f;
      }
    }
    return null;
  }

  private boolean authorised(String header) {
    if (header == null) return false;
    if (api == AirflowApi.V1) {
      return header.equals("Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)));
    }
    if (!header.startsWith("Bearer ")) return false;
    Instant exp = tokens.get(header.substring(7));
    // like Airflow's [api_auth] jwt_leeway (10 s there), a little slack for clocks and requests in flight
    return exp != null && Instant.now().isBefore(exp.plus(LEEWAY));
  }

  /** Airflow 3's auth manager: {username, password} -> {access_token: a JWT with exp}. */
  private void token(HttpExchange ex, String body) throws IOException {
    JsonNode b = JSON.readTree(body.isEmpty() ? "{}" : body);
    if (api != AirflowApi.V2) {
      send(ex, 404, error(404, "Not Found"));
    } else if (!USER.equals(b.path("username").asText()) || !PASSWORD.equals(b.path("password").asText()) || b.size() != 2) {
      send(ex, 401, JSON.createObjectNode().put("detail", "Invalid credentials"));
    } else {
      Instant exp = Instant.now().plus(tokenLife).truncatedTo(ChronoUnit.SECONDS);
      String claims = JSON.createObjectNode().put("sub", USER).put("exp", exp.getEpochSecond()).put("jti", UUID.randomUUID().toString()).toString();
      Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
      String jwt = b64.encodeToString("{\"alg\":\"HS512\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
          + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + "." + b64.encodeToString(UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
      tokens.put(jwt, exp);
      everyToken.add(jwt);
      tokensIssued++;
      send(ex, 201, JSON.createObjectNode().put("access_token", jwt));
    }
  }

  private void route(HttpExchange ex, String method, String[] p, Map<String, String> q, String body) throws IOException {
    // p[0] is "" (the path starts with '/'); p[1] the collection
    if (p.length == 2 && p[1].equals("importErrors") && method.equals("GET")) {
      send(ex, 200, importErrors());
      return;
    }
    if (p.length < 2 || !p[1].equals("dags")) {
      send(ex, 404, error(404, "Not Found"));
      return;
    }
    if (p.length == 2 && method.equals("GET")) {
      ArrayNode list = JSON.createArrayNode();
      String pattern = q.get("dag_id_pattern");
      for (Dag d : dags.values()) if (pattern == null || d.id.contains(pattern.replace("%", ""))) list.add(dag(d));
      send(ex, 200, JSON.createObjectNode().<ObjectNode>set("dags", list).put("total_entries", list.size()));
      return;
    }
    Dag dag = dags.get(p[2]);
    if (dag == null) {
      send(ex, 404, error(404, "The Dag with ID: `" + p[2] + "` was not found"));
      return;
    }
    if (dag.forbidden) {
      send(ex, 403, error(403, "Forbidden"));
      return;
    }
    if (p.length == 3 && method.equals("GET")) {
      send(ex, 200, dag(dag));
    } else if (p.length == 3 && method.equals("PATCH")) {
      dag.paused = JSON.readTree(body).path("is_paused").asBoolean();
      send(ex, 200, dag(dag));
    } else if (p.length == 4 && p[3].equals("dagRuns") && method.equals("POST")) {
      JsonNode b = JSON.readTree(body);
      String id = b.path("dag_run_id").asText("manual__" + Instant.now());
      if (runs.containsKey(dag.id + "/" + id)) {
        send(ex, 409, error(409, "DAGRun with DAG ID: '" + dag.id + "' and DAGRun ID: '" + id + "' already exists"));
        return;
      }
      Run r = new Run(dag, id, b.path("conf").isObject() ? b.get("conf") : JSON.createObjectNode());
      runs.put(dag.id + "/" + id, r);
      send(ex, 200, run(r));
    } else if (p.length == 4 && p[3].equals("dagRuns") && method.equals("GET")) {
      ArrayNode list = JSON.createArrayNode();
      for (Run r : runs.values()) if (r.dag == dag && (q.get("state") == null || q.get("state").equals(r.state()))) list.add(run(r));
      send(ex, 200, JSON.createObjectNode().<ObjectNode>set("dag_runs", list).put("total_entries", list.size()));
    } else if (p.length >= 5 && p[3].equals("dagRuns")) {
      Run r = runs.get(dag.id + "/" + p[4]);
      if (r == null) {
        send(ex, 404, error(404, "DAGRun with DAG ID: '" + dag.id + "' and DAGRun ID: '" + p[4] + "' not found"));
      } else if (p.length == 5 && method.equals("GET")) {
        synchronized (r) {
          r.polls++; // each look at the run moves it along
        }
        send(ex, 200, run(r));
      } else if (p.length == 6 && p[5].equals("taskInstances")) {
        ArrayNode list = JSON.createArrayNode();
        for (String t : List.of("prepare", "train")) list.add(task(r, t));
        send(ex, 200, JSON.createObjectNode().<ObjectNode>set("task_instances", list).put("total_entries", 2));
      } else if (p.length == 7 && p[5].equals("taskInstances")) {
        send(ex, 200, task(r, p[6]));
      } else if (p.length == 9 && p[7].equals("logs")) {
        send(ex, 200, log(r, p[6]));
      } else {
        send(ex, 404, error(404, "Not Found"));
      }
    } else {
      send(ex, 404, error(404, "Not Found"));
    }
  }

  private ObjectNode dag(Dag d) {
    ObjectNode j = JSON.createObjectNode().put("dag_id", d.id).put("dag_display_name", d.id).put("is_paused", d.paused)
        .put("fileloc", "/opt/airflow/dags/" + d.id + ".py").put("file_token", "Ii9vcHQvYWlyZmxvdy9kYWdzIg").putNull("description")
        .put("has_import_errors", false).put("has_task_concurrency_limits", false).put("max_active_runs", 1).put("max_active_tasks", 16);
    j.putArray("owners").add("lwm");
    ObjectNode tag = j.putArray("tags").addObject().put("name", "lwm");
    if (api == AirflowApi.V1) {
      j.put("is_active", true).put("is_subdag", false).put("timetable_description", "At 03:00").put("next_dagrun_create_after", WHEN);
      j.putObject("schedule_interval").put("__type", "CronExpression").put("value", "0 3 * * *");
    } else {
      tag.put("dag_id", d.id).put("dag_display_name", d.id);
      j.put("is_stale", false).put("timetable_partitioned", false).put("max_consecutive_failed_dag_runs", 0)
          .put("timetable_summary", "0 3 * * *").put("next_dagrun_run_after", WHEN).put("bundle_name", "dags-folder").putNull("bundle_version");
    }
    return j;
  }

  private ObjectNode run(Run r) {
    String state = r.state();
    ObjectNode j = JSON.createObjectNode().put("dag_id", r.dag.id).put("dag_run_id", r.id).put("state", state).put("run_type", "manual");
    j.set("conf", r.conf);
    j.putNull("data_interval_start").putNull("data_interval_end").putNull("last_scheduling_decision").putNull("note");
    if (state.equals("queued")) j.putNull("start_date");
    else j.put("start_date", WHEN);
    if (state.equals("success") || state.equals("failed")) j.put("end_date", "2026-12-03T10:05:00+00:00");
    else j.putNull("end_date");
    if (api == AirflowApi.V1) {
      j.put("logical_date", WHEN).put("execution_date", WHEN).put("external_trigger", true);
    } else {
      j.put("run_after", WHEN).putNull("logical_date").put("queued_at", WHEN).put("dag_display_name", r.dag.id)
          .put("triggered_by", "rest_api").put("triggering_user_name", USER).putNull("bundle_version");
      j.putArray("dag_versions").addObject().put("id", "0193a0c4-9b1e-7c3a-8f00-000000000001").put("version_number", 1)
          .put("dag_id", r.dag.id).put("created_at", WHEN).put("dag_display_name", r.dag.id).put("bundle_name", "dags-folder")
          .putNull("bundle_version").putNull("bundle_url");
    }
    return j;
  }

  private String taskState(Run r, String task) {
    String s = r.state();
    if (task.equals("prepare")) return s.equals("queued") ? "queued" : "success";
    return s.equals("queued") ? "scheduled" : s;
  }

  private ObjectNode task(Run r, String task) {
    String state = taskState(r, task);
    ObjectNode j = JSON.createObjectNode().put("task_id", task).put("dag_id", r.dag.id).put("dag_run_id", r.id).put("map_index", -1)
        .put("state", state).put("try_number", 1).put("max_tries", 1).put("pool", "default_pool").put("pool_slots", 1)
        .put("executor_config", "{}").put("task_display_name", task).put("queue", "default").put("priority_weight", 1)
        .put("operator", "SparkSubmitOperator").putNull("pid").putNull("note").putNull("rendered_map_index").putNull("executor");
    j.putObject("rendered_fields");
    boolean done = state.equals("success") || state.equals("failed");
    j.put("start_date", WHEN);
    if (done) j.put("end_date", "2026-12-03T10:04:00+00:00").put("duration", 240.0);
    else j.putNull("end_date").putNull("duration");
    if (api == AirflowApi.V1) {
      j.put("execution_date", WHEN).put("hostname", "worker-1").put("unixname", "airflow").putNull("queued_when");
    } else {
      j.put("id", UUID.nameUUIDFromBytes((r.id + task).getBytes(StandardCharsets.UTF_8)).toString()).put("run_after", WHEN)
          .put("dag_display_name", r.dag.id).putNull("logical_date").put("hostname", "worker-1").put("unixname", "airflow")
          .put("operator_name", "SparkSubmitOperator").putNull("queued_when").putNull("scheduled_when");
    }
    return j;
  }

  /** A failed train task logs 40 steps, then the error; other tasks a line. */
  static List<String> logLines(String task, boolean failed) {
    List<String> lines = new ArrayList<>();
    if (task.equals("train") && failed) {
      for (int i = 1; i <= 40; i++) lines.add("train step " + i + " loss " + String.format(java.util.Locale.ROOT, "%.2f", 3.0 - i * 0.01));
      lines.add("ERROR - Task failed with exception: ValueError: loss is NaN at step 41");
    } else {
      lines.add(task + " done");
    }
    return lines;
  }

  private ObjectNode log(Run r, String task) {
    List<String> lines = logLines(task, taskState(r, task).equals("failed"));
    ObjectNode j = JSON.createObjectNode();
    if (api == AirflowApi.V1) {
      j.put("content", String.join("\n", lines) + "\n");
    } else {
      ArrayNode content = j.putArray("content");
      for (String l : lines) content.addObject().put("event", l).put("timestamp", WHEN).put("level", l.startsWith("ERROR") ? "error" : "info");
      j.putNull("continuation_token");
    }
    return j;
  }

  private ObjectNode importErrors() {
    ObjectNode e = JSON.createObjectNode().put("import_error_id", 7).put("filename", "/opt/airflow/dags/broken.py").put("timestamp", WHEN)
        .put("stack_trace", "Traceback (most recent call last):\n  File \"broken.py\", line 3\nModuleNotFoundError: No module named 'pyspark'");
    if (api == AirflowApi.V2) e.put("bundle_name", "dags-folder");
    ObjectNode j = JSON.createObjectNode().put("total_entries", 1);
    j.putArray("import_errors").add(e);
    return j;
  }

  /** An error body in the version's own shape: RFC 7807 for v1, FastAPI's {detail} for v2. */
  private ObjectNode error(int status, String detail) {
    if (api == AirflowApi.V2) return JSON.createObjectNode().put("detail", detail);
    return JSON.createObjectNode().put("type", "https://airflow.apache.org/docs/apache-airflow/stable/stable-rest-api-ref.html#section/Errors")
        .put("title", detail).put("status", status).put("detail", detail);
  }

  private void send(HttpExchange ex, int status, JsonNode body) throws IOException {
    Duration d = late.remove(ex);
    if (d != null) sleep(d);
    byte[] b = body.toString().getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> q = new LinkedHashMap<>();
    if (raw == null) return q;
    for (String kv : raw.split("&")) {
      int eq = kv.indexOf('=');
      if (eq > 0) q.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return q;
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
