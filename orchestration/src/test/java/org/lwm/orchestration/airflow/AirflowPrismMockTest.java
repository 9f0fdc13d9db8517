package org.lwm.orchestration.airflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every {@code lwm airflow} command against {@code prism mock} of Airflow's own spec, for Airflow 2 (v1)
 * and Airflow 3 (v2): Prism answers a request that breaks the spec (parameters, body, security) with an
 * error and an {@code sl-violations} header, so every exchange must come back clean. The mock answers
 * from the spec's examples; the stateful behaviour is {@link AirflowFlowTest}'s.
 */
class AirflowPrismMockTest {
  private static final String PASSWORD = "mock-pa55word";
  private static final String TOKEN = "mock-token-1234";
  private static Path dir;
  private static Prism v1;
  private static Prism v2;

  @BeforeAll
  static void startPrism() throws Exception {
    dir = Files.createTempDirectory("prism-mock");
    // both at once: each takes seconds to read its spec
    CompletableFuture<Prism> a = CompletableFuture.supplyAsync(() -> Prism.mock(AirflowApi.V1, dir));
    CompletableFuture<Prism> b = CompletableFuture.supplyAsync(() -> Prism.mock(AirflowApi.V2, dir));
    v1 = a.join();
    v2 = b.join();
  }

  @AfterAll
  static void stopPrism() {
    if (v1 != null) v1.close();
    if (v2 != null) v2.close();
  }

  private static Prism prism(AirflowApi api) {
    return api == AirflowApi.V1 ? v1 : v2;
  }

  /** Airflow 2 with basic auth; Airflow 3 with a bearer token (its /auth/token is outside the v2 spec: see AirflowFlowTest). */
  private static Map<String, String> env(AirflowApi api) {
    return api == AirflowApi.V1 ? Map.of("AIRFLOW_USERNAME", "admin", "AIRFLOW_PASSWORD", PASSWORD) : Map.of("AIRFLOW_TOKEN", TOKEN);
  }

  @ParameterizedTest
  @EnumSource(AirflowApi.class)
  void everyCommandSendsOnlyRequestsTheSpecAccepts(AirflowApi api) {
    AirflowCli cli = new AirflowCli(env(api));
    String run = "manual__2026-12-03T10:00:00+00:00";
    String[][] commands = {
        {"dags"},
        {"dags", "--pattern", "lwm", "--limit", "5", "--json"},
        {"trigger", "lwm_demo"},
        {"trigger", "lwm_demo", "--conf", "{\"lake\": \"s3a://bucket/lake\", \"run_date\": \"2026-12-03\"}", "--run-id", run, "--json"},
        {"runs", "lwm_demo"},
        {"runs", "lwm_demo", "--state", "failed", "--limit", "3", "--json"},
        {"tasks", "lwm_demo", run},
        {"tasks", "lwm_demo"},
        {"logs", "lwm_demo", run, "train"},
        {"logs", "lwm_demo", run, "encode", "--try", "2", "--map-index", "1", "--tail", "5", "--json"},
        {"pause", "lwm_demo"},
        {"unpause", "lwm_demo", "--json"},
        {"import-errors"},
        {"import-errors", "--full", "--limit", "10"},
    };
    String apiFlag = api.name().toLowerCase();
    for (String[] c : commands) {
      AirflowCli.Run r = cli.run(with(c, "--url", prism(api).url().toString(), "--api", apiFlag));
      assertEquals(0, r.code(), String.join(" ", c) + ": " + r + "\nexchanges: " + cli.exchanges);
      assertTrue(!r.out().isBlank(), String.join(" ", c) + " printed nothing");
    }
    // the mock's run never leaves the example's state: --wait polls until its --timeout
    AirflowCli.Run wait = cli.run("trigger", "lwm_demo", "--wait", "--poll", "0.05", "--timeout", "0.3", "--url", prism(api).url().toString(), "--api", apiFlag);
    assertTrue(wait.code() == 0 || wait.err().contains("is still"), wait.toString());
    // auto asks /api/v2/version first; against Airflow 2's spec that route does not exist (404, no violation)
    AirflowCli.Run auto = cli.run("dags", "--url", prism(api).url().toString(), "--api", "auto");
    assertEquals(0, auto.code(), auto.toString());

    List<String> bad = new ArrayList<>();
    Set<String> endpoints = new TreeSet<>();
    for (RecordingHttpClient.Exchange e : cli.exchanges) {
      boolean probe = api == AirflowApi.V1 && e.path().equals("/api/v2/version");
      if (e.violations() != null || (e.status() / 100 != 2 && !(probe && e.status() == 404))) bad.add(e.toString());
      endpoints.add(e.method() + " " + template(e.path()));
    }
    assertTrue(bad.isEmpty(), "Prism refused requests of the " + api + " client:\n" + String.join("\n", bad));
    String p = api.prefix();
    for (String expected : List.of("GET " + p + "/version", "GET " + p + "/dags", "GET " + p + "/dags/{dag}", "PATCH " + p + "/dags/{dag}",
        "POST " + p + "/dags/{dag}/dagRuns", "GET " + p + "/dags/{dag}/dagRuns", "GET " + p + "/dags/{dag}/dagRuns/{run}",
        "GET " + p + "/dags/{dag}/dagRuns/{run}/taskInstances", "GET " + p + "/dags/{dag}/dagRuns/{run}/taskInstances/{task}",
        "GET " + p + "/dags/{dag}/dagRuns/{run}/taskInstances/{task}/logs/{try}", "GET " + p + "/importErrors")) {
      assertTrue(endpoints.contains(expected), expected + " was never sent; sent: " + endpoints);
    }
  }

  /** The validator is live: requests that break the spec are refused, so a clean exchange above means something. */
  @ParameterizedTest
  @EnumSource(AirflowApi.class)
  void prismRefusesRequestsThatBreakTheSpec(AirflowApi api) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    String base = prism(api).url() + api.prefix();
    String auth = api == AirflowApi.V1 ? "Basic YWRtaW46eA==" : "Bearer " + TOKEN;
    // a page limit that is not a number
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/dags?limit=many")).header("Authorization", auth).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(422, r.statusCode(), r.body());
    // with the violation in the header, or (where the spec declares no 422) in Prism's own problem body
    assertTrue(r.headers().firstValue("sl-violations").isPresent() || r.body().contains("\"location\":[\"query\",\"limit\"]"), r.body());
    // the other version's credentials: v1 takes basic auth, v2 bearer tokens
    String wrong = api == AirflowApi.V1 ? "Bearer " + TOKEN : "Basic YWRtaW46eA==";
    r = http.send(HttpRequest.newBuilder(URI.create(base + "/dags")).header("Authorization", wrong).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(401, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("sl-violations").orElse("").contains("security"), r.headers().map().toString());
    if (api == AirflowApi.V2) {
      // Airflow 3's trigger body admits no unknown field (Airflow 2's does)
      r = http.send(HttpRequest.newBuilder(URI.create(base + "/dags/d/dagRuns")).header("Authorization", auth).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"conf\": {}, \"execution_date\": null}")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(422, r.statusCode(), r.body());
    }
    // and through the command line: a v1 client given a bearer token is refused, and says so in one line
    if (api == AirflowApi.V1) {
      AirflowCli cli = new AirflowCli(Map.of("AIRFLOW_TOKEN", TOKEN));
      AirflowCli.Run run = cli.run("runs", "lwm_demo", "--url", prism(api).url().toString(), "--api", "v1");
      assertEquals(1, run.code(), run.toString());
      assertEquals(1, run.err().strip().lines().count(), run.toString());
      assertTrue(run.err().contains("cannot list the runs of DAG lwm_demo") && run.err().contains("HTTP 401"), run.toString());
      assertTrue(!run.err().contains(TOKEN) && !run.out().contains(TOKEN), "the token must not be printed");
      assertTrue(cli.exchanges.stream().anyMatch(e -> e.violations() != null), "the recorder sees Prism's verdict: " + cli.exchanges);
    }
  }

  private static String template(String path) {
    String p = path.replaceFirst("\\?.*", "");
    p = p.replaceFirst("(/logs/)[^/]+$", "$1{try}");
    p = p.replaceFirst("(/taskInstances/)[^/]+", "$1{task}");
    p = p.replaceFirst("(/dagRuns/)[^/]+", "$1{run}");
    p = p.replaceFirst("(/dags/)[^/]+", "$1{dag}");
    return p;
  }

  private static String[] with(String[] a, String... more) {
    String[] r = Arrays.copyOf(a, a.length + more.length);
    System.arraycopy(more, 0, r, a.length, more.length);
    return r;
  }
}
