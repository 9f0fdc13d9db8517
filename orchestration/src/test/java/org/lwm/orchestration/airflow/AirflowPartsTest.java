package org.lwm.orchestration.airflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.lwm.core.config.Config;
import org.lwm.orchestration.Lwm;

/** The client's small parts on their own, and the command's place in {@code lwm}. */
class AirflowPartsTest {
  private static AirflowHttp http(String... keys) {
    Map<String, String> m = new java.util.HashMap<>();
    for (int i = 0; i < keys.length; i += 2) m.put(keys[i], keys[i + 1]);
    AirflowSettings s = AirflowSettings.from(Config.of(m), Map.of());
    return new AirflowHttp(AirflowCommand.httpClient(s), s, null);
  }

  @Test
  void backoffDoublesWithJitterUpToItsCapAndRetryAfterWins() {
    AirflowHttp h = http("airflow.retry_base_seconds", "0.2", "airflow.retry_max_seconds", "1");
    for (int i = 0; i < 50; i++) {
      long d1 = h.delay(1, Optional.empty()).toMillis(), d3 = h.delay(3, Optional.empty()).toMillis(), d9 = h.delay(9, Optional.empty()).toMillis();
      assertTrue(d1 >= 100 && d1 <= 200, "try 1: " + d1);
      assertTrue(d3 >= 400 && d3 <= 800, "try 3: " + d3);
      assertTrue(d9 >= 500 && d9 <= 1000, "capped: " + d9);
    }
    assertEquals(Duration.ofSeconds(1), h.delay(1, Optional.of("120")), "Retry-After is capped by airflow.retry_max_seconds");
    assertEquals(Duration.ZERO, h.delay(1, Optional.of("0")));
    String inTwoSeconds = ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(3).format(DateTimeFormatter.RFC_1123_DATE_TIME);
    long ms = AirflowHttp.parseRetryAfter(inTwoSeconds).orElseThrow().toMillis();
    assertTrue(ms > 1000 && ms <= 3000, "an HTTP date: " + ms);
    assertTrue(AirflowHttp.parseRetryAfter("soon").isEmpty());
  }

  @Test
  void aJwtsExpiryIsReadFromItsClaims() {
    Base64.Encoder b = Base64.getUrlEncoder().withoutPadding();
    String jwt = b.encodeToString("{\"alg\":\"HS512\"}".getBytes(StandardCharsets.UTF_8)) + "."
        + b.encodeToString("{\"sub\":\"x\",\"exp\":1796000000}".getBytes(StandardCharsets.UTF_8)) + ".sig";
    assertEquals(Instant.ofEpochSecond(1796000000L), AirflowTokenAuth.expiry(jwt));
    assertNull(AirflowTokenAuth.expiry("an-opaque-token"));
    assertNull(AirflowTokenAuth.expiry("a.%%%.b"));
  }

  @Test
  void runIdsGoIntoPathsEscaped() {
    assertEquals("manual__2026-12-03T10%3A00%3A00%2B00%3A00", AirflowClient.seg("manual__2026-12-03T10:00:00+00:00"));
    assertEquals("a%20b", AirflowClient.seg("a b"));
    assertTrue(AirflowClient.newRunId(java.time.Clock.systemUTC()).matches("lwm__\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z_[0-9a-f]{4}"));
  }

  @Test
  void theUrlMayNameTheApiPrefixAndStillMeansTheRoot() {
    AirflowSettings s = AirflowSettings.from(Config.of(Map.of("airflow.url", "https://airflow.example.com/api/v2/")), Map.of());
    assertEquals("https://airflow.example.com", s.url.toString());
    assertTrue(!s.toString().contains("password"));
  }

  @Test
  void tablesAlignColumnsAndRightAlignNumbers() {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    new TextTable("task_id", "try").row("prepare", 1).row("train", 12).row("x", null).print(new PrintStream(b, true, StandardCharsets.UTF_8));
    assertEquals("task_id  try\nprepare    1\ntrain     12\nx          -\n", b.toString(StandardCharsets.UTF_8));
  }

  @Test
  void lwmHasTheAirflowGroupWithEveryCommand() {
    PrintStream old = System.out;
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(b, true, StandardCharsets.UTF_8));
      assertEquals(0, Lwm.execute("airflow", "--help"));
    } finally {
      System.setOut(old);
    }
    String help = b.toString(StandardCharsets.UTF_8);
    for (String c : new String[] {"dags", "trigger", "runs", "tasks", "logs", "pause", "unpause", "import-errors"}) {
      assertTrue(help.lines().anyMatch(l -> l.strip().startsWith(c + " ")), c + " missing from:\n" + help);
    }
  }
}
