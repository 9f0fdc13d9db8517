package org.lwm.orchestration.airflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Whole flows against {@link FakeAirflow} behind {@code prism proxy}: Prism checks each request against the
 * spec and each of the fake's answers too, so the fake cannot drift from what Airflow answers. Trigger and
 * wait (success and failure), token expiry and revocation, 429 with Retry-After, 5xx, timeouts, refused
 * connections, and the one-line errors for 401/403/404/409.
 */
class AirflowFlowTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> CREDENTIALS = Map.of("AIRFLOW_USERNAME", FakeAirflow.USER, "AIRFLOW_PASSWORD", FakeAirflow.PASSWORD);
  private static final String[] FAST = {"--set", "airflow.retry_base_seconds=0.05", "--set", "airflow.timeout_seconds=5"};
  private static Path dir;
  private static FakeAirflow fake1;
  private static FakeAirflow fake2;
  private static Prism proxy1;
  private static Prism proxy2;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("prism-proxy");
    fake1 = new FakeAirflow(AirflowApi.V1);
    fake2 = new FakeAirflow(AirflowApi.V2);
    CompletableFuture<Prism> a = CompletableFuture.supplyAsync(() -> Prism.proxy(AirflowApi.V1, dir, fake1.url()));
    CompletableFuture<Prism> b = CompletableFuture.supplyAsync(() -> Prism.proxy(AirflowApi.V2, dir, fake2.url()));
    proxy1 = a.join();
    proxy2 = b.join();
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {proxy1, proxy2, fake1, fake2}) {
      try {
        if (c != null) c.close();
      } catch (Exception ignored) {
        // best effort
      }
    }
  }

  private static FakeAirflow fake(AirflowApi api) {
    FakeAirflow f = api == AirflowApi.V1 ? fake1 : fake2;
    f.reset();
    return f;
  }

  /** {@code lwm airflow ARGS} through Prism to the fake, with the fast retry settings (which a test's own --set overrides). */
  private static AirflowCli.Run run(AirflowCli cli, AirflowApi api, String... args) {
    List<String> all = new ArrayList<>(List.of(args[0]));
    all.addAll(List.of(FAST));
    all.addAll(List.of("--url", (api == AirflowApi.V1 ? proxy1 : proxy2).url().toString(), "--api", api.name().toLowerCase()));
    all.addAll(Arrays.asList(args).subList(1, args.length));
    return cli.run(all.toArray(String[]::new));
  }

  /**
   * Prism's verdict on every exchange: no errors in either direction. Warnings only where expected:
   * {@code /auth/token} is Airflow 3's auth manager, outside the v2 spec, and 429/5xx come from the
   * faults injected here (Airflow's specs list neither).
   */
  private static void assertPrismAccepted(AirflowCli cli) throws Exception {
    List<String> bad = new ArrayList<>();
    for (RecordingHttpClient.Exchange e : cli.exchanges) {
      if (e.violations() == null) continue;
      for (JsonNode v : JSON.readTree(e.violations())) {
        String message = v.path("message").asText();
        boolean expected = v.path("severity").asText().equals("Warning")
            && (message.equals("Selected route not found") && (e.path().equals("/auth/token") || e.path().equals("/api/v2/version"))
                || message.startsWith("Unable to match the returned status code") && (e.status() == 429 || e.status() >= 500));
        if (!expected) bad.add(e.method() + " " + e.path() + " -> " + e.status() + ": " + v);
      }
    }
    assertTrue(bad.isEmpty(), "Prism found violations:\n" + String.join("\n", bad));
    assertFalse(cli.exchanges.isEmpty(), "nothing was sent");
  }

  private static void assertNoSecrets(AirflowCli.Run r, FakeAirflow f) {
    String all = r.out() + r.err();
    assertFalse(all.contains(FakeAirflow.PASSWORD), "the password was printed:\n" + r);
    for (String t : f.everyToken) assertFalse(all.contains(t), "a token was printed:\n" + r);
  }

  private static void assertOneLineError(AirflowCli.Run r, String... parts) {
    assertEquals(1, r.code(), r.toString());
    assertEquals(1, r.err().strip().lines().count(), "one line:\n" + r);
    for (String p : parts) assertTrue(r.err().contains(p), "'" + p + "' missing from:\n" + r);
    assertFalse(r.err().contains("at org."), r.toString());
  }

  @ParameterizedTest
  @EnumSource(AirflowApi.class)
  void triggerWaitFollowsTheRunToSuccess(AirflowApi api) throws Exception {
    FakeAirflow f = fake(api);
    AirflowCli cli = new AirflowCli(CREDENTIALS);
    AirflowCli.Run r = run(cli, api, "trigger", "lwm_demo", "--conf", "{\"lake\": \"s3a://bucket/lake\"}", "--wait", "--poll", "0.05", "-v");
    assertEquals(0, r.code(), r.toString());
    List<String> states = r.out().lines().filter(l -> l.matches("\\d\\d:\\d\\d(:\\d\\d)?  \\w+")).map(l -> l.substring(l.indexOf("  ") + 2)).toList();
    assertEquals(List.of("queued", "running", "success"), states, r.out());
    assertTrue(r.out().contains("succeeded"), r.out());

    List<FakeAirflow.Seen> posts = f.seen("POST", "/dagRuns");
    assertEquals(1, posts.size(), f.seen.toString());
    JsonNode body = JSON.readTree(posts.get(0).body());
    assertEquals("s3a://bucket/lake", body.path("conf").path("lake").asText(), body.toString());
    assertTrue(body.path("dag_run_id").asText().startsWith("lwm__"), body.toString());
    assertEquals(api == AirflowApi.V2, body.has("logical_date"), body.toString());
    assertEquals(1, f.runs.size());
    assertTrue(r.err().contains("airflow: POST " + api.prefix() + "/dags/lwm_demo/dagRuns -> HTTP 200"), "--verbose traces requests:\n" + r.err());
    assertNoSecrets(r, f);
    assertPrismAccepted(cli);
  }

  @ParameterizedTest
  @EnumSource(AirflowApi.class)
  void triggerWaitReportsTheFailedTaskAndTheEndOfItsLog(AirflowApi api) throws Exception {
    FakeAirflow f = fake(api);
    AirflowCli cli = new AirflowCli(CREDENTIALS);
    AirflowCli.Run r = run(cli, api, "trigger", "lwm_fail", "--wait", "--poll", "0.05", "--log-lines", "5");
    assertEquals(1, r.code(), r.toString());
    List<String> err = r.err().strip().lines().toList();
    assertTrue(err.get(0).startsWith("task train failed (try 1)"), r.err());
    List<String> tail = err.stream().filter(l -> l.startsWith("  | ")).toList();
    assertEquals(5, tail.size(), r.err());
    assertTrue(tail.get(4).endsWith("ValueError: loss is NaN at step 41"), r.err());
    assertTrue(tail.get(0).endsWith("train step 37 loss 2.63"), r.err());
    String last = err.get(err.size() - 1);
    assertTrue(last.startsWith("lwm: run lwm__") && last.endsWith("of DAG lwm_fail failed: task train failed"), last);
    assertFalse(r.err().contains("prepare failed"), "only the failed task is reported");
    assertPrismAccepted(cli);
  }

  @Test
  void bearerTokensAreRenewedBeforeTheyExpireAndAfterARevocation() throws Exception {
    FakeAirflow f = fake(AirflowApi.V2);
    f.tokenLife = Duration.ofMillis(1500);
    f.add(new FakeAirflow.Dag("lwm_long", "success", 25, false));
    f.revokeTokensOn("GET", "/dagRuns/lwm__");
    AirflowCli cli = new AirflowCli(CREDENTIALS);
    long t0 = System.nanoTime();
    AirflowCli.Run r = run(cli, AirflowApi.V2, "trigger", "lwm_long", "--wait", "--poll", "0.1");
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertEquals(0, r.code(), r.toString());
    // the run took longer than a token lives: the client fetched new ones as they neared expiry
    long unauthorised = cli.exchanges.stream().filter(e -> e.status() == 401).count();
    assertEquals(1, unauthorised, "only the revoked token may be refused: " + cli.exchanges);
    int expected = 2 + (int) (seconds / 1.5); // the first, the revocation's, one per elapsed lifetime
    assertTrue(f.tokensIssued >= Math.min(3, expected), f.tokensIssued + " tokens in " + seconds + " s");
    for (FakeAirflow.Seen s : f.seen("POST", "/auth/token")) {
      JsonNode b = JSON.readTree(s.body());
      assertEquals(FakeAirflow.USER, b.path("username").asText());
    }
    assertNoSecrets(r, f);
    assertPrismAccepted(cli);
  }

  @ParameterizedTest
  @EnumSource(AirflowApi.class)
  void aRateLimitedRequestWaitsForRetryAfterThenSucceeds(AirflowApi api) throws Exception {
    FakeAirflow f = fake(api);
    f.fail("GET", api.prefix() + "/dags", 1, 429, "1");
    AirflowCli cli = new AirflowCli(CREDENTIALS);
    AirflowCli.Run r = run(cli, api, "dags");
    assertEquals(0, r.code(), r.toString());
    String schedule = api == AirflowApi.V1 ? "At 03:00" : "0 3 * * *"; // v1: timetable_description, v2: timetable_summary
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("lwm_demo ") && l.contains(schedule)), r.out());
    List<FakeAirflow.Seen> lists = f.seen("GET", api.prefix() + "/dags");
    assertEquals(2, lists.size(), f.seen.toString());
    double gap = (lists.get(1).nanos() - lists.get(0).nanos()) / 1e9;
    assertTrue(gap >= 0.95, "Retry-After: 1 asked for a second, the client came back after " + gap + " s");
    assertPrismAccepted(cli);
  }

  @ParameterizedTest
  @EnumSource(AirflowApi.class)
  void serverErrorsAreRetriedWithBackoff(AirflowApi api) throws Exception {
    FakeAirflow f = fake(api);
    run(new AirflowCli(CREDENTIALS), api, "trigger", "lwm_demo", "--run-id", "r1");
    f.seen.clear();
    f.fail("GET", "/dagRuns", 2, 500, null);
    f.fail("GET", "/dagRuns", 1, 503, null);
    AirflowCli cli = new AirflowCli(CREDENTIALS);
    AirflowCli.Run r = run(cli, api, "runs", "lwm_demo");
    assertEquals(0, r.code(), r.toString());
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("r1 ")), r.out());
    assertEquals(4, f.seen("GET", "/dagRuns").size(), f.seen.toString());
    assertPrismAccepted(cli);

    f.fail("GET", "/importErrors", 10, 503, null);
    AirflowCli.Run gaveUp = run(cli, api, "import-errors", "--set", "airflow.retries=2");
    assertOneLineError(gaveUp, "cannot list import errors", "answered HTTP 503 after 3 tries");
  }

  @ParameterizedTest
  @EnumSource(AirflowApi.class)
  void aTriggerWhoseAnswerTimedOutIsRetriedWithoutASecondRun(AirflowApi api) throws Exception {
    FakeAirflow f = fake(api);
    f.delay("POST", "/dagRuns", 1, Duration.ofMillis(1500));
    AirflowCli cli = new AirflowCli(CREDENTIALS);
    AirflowCli.Run r = run(cli, api, "trigger", "lwm_demo", "--set", "airflow.timeout_seconds=0.5");
    assertEquals(0, r.code(), r.toString());
    assertEquals(2, f.seen("POST", "/dagRuns").size(), "timed out, then sent again: " + f.seen);
    assertEquals(1, f.runs.size(), "the second POST met the first one's run (409) instead of starting another");
    String runId = f.runs.values().iterator().next().id;
    assertTrue(r.out().contains("triggered run " + runId + " of DAG lwm_demo"), r.out());
    assertPrismAccepted(cli);
  }

  @ParameterizedTest
  @EnumSource(AirflowApi.class)
  void refusalsAreOneLineErrorsNamingTheDagOrRun(AirflowApi api) throws Exception {
    FakeAirflow f = fake(api);
    AirflowCli cli = new AirflowCli(CREDENTIALS);
    assertOneLineError(run(cli, api, "pause", "no_such_dag"), "cannot pause DAG no_such_dag", "HTTP 404", "was not found");
    assertOneLineError(run(cli, api, "logs", "lwm_demo", "no_such_run", "train"), "cannot read task train of run no_such_run of DAG lwm_demo", "HTTP 404");
    assertOneLineError(run(cli, api, "trigger", "lwm_secret"), "cannot trigger DAG lwm_secret", "HTTP 403");
    assertEquals(0, run(cli, api, "trigger", "lwm_demo", "--run-id", "nightly").code());
    assertOneLineError(run(cli, api, "trigger", "lwm_demo", "--run-id", "nightly"), "cannot trigger DAG lwm_demo", "already has a run nightly", "HTTP 409");
    assertOneLineError(run(cli, api, "trigger", "lwm_demo", "--conf", "[1, 2]"), "--conf must be a JSON object");
    assertPrismAccepted(cli);

    AirflowCli wrong = new AirflowCli(Map.of("AIRFLOW_USERNAME", FakeAirflow.USER, "AIRFLOW_PASSWORD", "not-the-password"));
    AirflowCli.Run r = run(wrong, api, "runs", "lwm_demo");
    if (api == AirflowApi.V1) assertOneLineError(r, "cannot list the runs of DAG lwm_demo", "refused the credentials (HTTP 401)", "AIRFLOW_USERNAME");
    else assertOneLineError(r, "refused the username and password at /auth/token (HTTP 401)");
    assertFalse(r.err().contains("not-the-password"), r.toString());
    assertPrismAccepted(wrong);
  }

  @ParameterizedTest
  @EnumSource(AirflowApi.class)
  void autoAsksTheServerWhichApiItSpeaks(AirflowApi api) throws Exception {
    FakeAirflow f = fake(api);
    AirflowCli cli = new AirflowCli(CREDENTIALS);
    AirflowCli.Run r = cli.run("dags", "--url", (api == AirflowApi.V1 ? proxy1 : proxy2).url().toString(), "--api", "auto");
    assertEquals(0, r.code(), r.toString());
    assertEquals(1, f.seen("GET", api.prefix() + "/dags").size(), f.seen.toString());
    assertEquals(api == AirflowApi.V2 ? 1 : 0, f.tokensIssued, "Airflow 3 gets a token, Airflow 2 basic auth");
    assertPrismAccepted(cli);
  }

  /** The other direction is live too: an answer that breaks Airflow 3's schema is flagged by the proxy, and the check above fails. */
  @Test
  void prismFlagsAnAnswerThatBreaksTheSpec() throws Exception {
    FakeAirflow f = fake(AirflowApi.V2);
    f.fail("GET", "/api/v2/dags", 1, 200, null); // 200 with {"detail": ...}: no dags, no total_entries
    AirflowCli cli = new AirflowCli(CREDENTIALS);
    AirflowCli.Run r = run(cli, AirflowApi.V2, "dags");
    assertEquals(0, r.code(), r.toString());
    AssertionError caught = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, () -> assertPrismAccepted(cli));
    assertTrue(caught.getMessage().contains("required property 'dags'"), caught.getMessage());
  }

  @Test
  void aRefusedConnectionIsRetriedThenReportedInOneLine() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    AirflowCli cli = new AirflowCli(CREDENTIALS);
    long t0 = System.nanoTime();
    AirflowCli.Run r = cli.run("dags", "--url", "http://127.0.0.1:" + port, "--api", "v1", "--set", "airflow.retries=3",
        "--set", "airflow.retry_base_seconds=0.1");
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertOneLineError(r, "cannot list DAGs", "did not answer after 4 tries (connection refused)", "127.0.0.1:" + port);
    // three waits of at least half of 0.1, 0.2 and 0.4 s
    assertTrue(seconds >= 0.35, "backoff between tries: " + seconds + " s");
  }

  @Test
  void credentialsNeverLeaveThroughTheUrlOrHalfSet() {
    AirflowCli cli = new AirflowCli(Map.of("AIRFLOW_USERNAME", "someone"));
    assertOneLineError(cli.run("dags", "--url", "http://127.0.0.1:9"), "need both a username and a password", "AIRFLOW_PASSWORD");
    AirflowCli.Run r = new AirflowCli(Map.of()).run("dags", "--url", "http://admin:hunter2@127.0.0.1:9");
    assertOneLineError(r, "must not hold credentials");
    assertFalse(r.err().contains("hunter2"), r.toString());
    assertOneLineError(new AirflowCli(Map.of()).run("dags", "--api", "v4"), "airflow.api must be v1 (Airflow 2), v2 (Airflow 3) or auto");
  }
}
