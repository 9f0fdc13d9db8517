package org.lwm.orchestration.airflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.lwm.core.cli.UserError;

/**
 * One HTTP exchange with Airflow, retried the way a busy webserver behind a load balancer needs:
 * 429 and 5xx answers, refused or reset connections and timeouts are retried with exponential backoff
 * and jitter (or after the server's {@code Retry-After}); a 401 renews a fetched token once. Answers that
 * retrying cannot fix become one-line {@link UserError}s naming what was being done.
 */
final class AirflowHttp {
  static final ObjectMapper JSON = new ObjectMapper();

  record Response(int status, String body, Optional<String> retryAfter, int tries) {
    boolean ok() {
      return status / 100 == 2;
    }

    JsonNode json() {
      try {
        return body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
      } catch (IOException e) {
        throw new UserError("Airflow answered HTTP " + status + " with a body that is not JSON: " + oneLine(body));
      }
    }
  }

  private final HttpClient client;
  private final AirflowSettings settings;
  private final PrintStream trace; // --verbose: method, path, status and time of each try; never headers

  AirflowHttp(HttpClient client, AirflowSettings settings, PrintStream trace) {
    this.client = client;
    this.settings = settings;
    this.trace = trace;
  }

  URI url() {
    return settings.url;
  }

  /** The answer (any status) once it is final: not retryable, or the tries are used up. */
  Response exchange(String method, String pathAndQuery, JsonNode body, String what, AirflowAuth auth) {
    int tries = 0;
    boolean renewed = false;
    while (true) {
      tries++;
      HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(settings.url + pathAndQuery))
          .timeout(settings.requestTimeout)
          .header("Accept", "application/json");
      String authorization = auth.authorization();
      if (authorization != null) rb.header("Authorization", authorization);
      if (body != null) {
        rb.header("Content-Type", "application/json");
        rb.method(method, HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
      } else {
        rb.method(method, HttpRequest.BodyPublishers.noBody());
      }
      long t0 = System.nanoTime();
      String failure;
      Response r = null;
      try {
        HttpResponse<String> hr = client.send(rb.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        r = new Response(hr.statusCode(), hr.body() == null ? "" : hr.body(), hr.headers().firstValue("Retry-After"), tries);
        failure = "HTTP " + r.status();
      } catch (HttpTimeoutException e) {
        failure = "no answer within " + seconds(settings.requestTimeout);
      } catch (ConnectException e) {
        failure = "connection refused";
      } catch (IOException e) {
        failure = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new UserError("interrupted while waiting for Airflow to " + what);
      }
      if (trace != null) {
        trace.printf("airflow: %s %s -> %s (%d ms, try %d)%n", method, pathAndQuery, failure, (System.nanoTime() - t0) / 1_000_000, tries);
      }
      if (r != null && r.status() == 401 && !renewed && auth.renew()) {
        renewed = true; // a token that expired early or was revoked: fetch a new one, once
        tries--;
        continue;
      }
      boolean retryable = r == null || r.status() == 429 || r.status() >= 500 && r.status() <= 599;
      if (!retryable) return r;
      if (tries > settings.retries) {
        if (r != null) return r;
        throw new UserError("cannot " + what + ": Airflow at " + settings.url + " did not answer after " + tries
            + (tries == 1 ? " try" : " tries") + " (" + failure + ")");
      }
      sleep(delay(tries, r == null ? Optional.empty() : r.retryAfter()), what);
    }
  }

  /** The answer's JSON when it is a success, else the one-line error for it. */
  JsonNode call(String method, String pathAndQuery, JsonNode body, String what, AirflowAuth auth) {
    Response r = exchange(method, pathAndQuery, body, what, auth);
    if (!r.ok()) throw error(r, what, auth);
    return r.json();
  }

  UserError error(Response r, String what, AirflowAuth auth) {
    String where = "Airflow at " + settings.url;
    String detail = detail(r);
    String after = r.tries() > 1 ? " after " + r.tries() + " tries" : "";
    switch (r.status()) {
      case 401: return new UserError("cannot " + what + ": " + where + " refused the credentials (HTTP 401): " + auth.hint());
      case 403: return new UserError("cannot " + what + ": " + where + " does not permit it to this user (HTTP 403)" + detail);
      case 404: return new UserError("cannot " + what + ": not found on " + where + " (HTTP 404)" + detail);
      case 409: return new UserError("cannot " + what + ": it conflicts with what exists (HTTP 409)" + detail);
      default: return new UserError("cannot " + what + ": " + where + " answered HTTP " + r.status() + after + detail);
    }
  }

  /** Airflow's own explanation ({@code detail}, else {@code title}), as ": ..." on one line, or "". */
  private static String detail(Response r) {
    String text;
    try {
      JsonNode j = JSON.readTree(r.body());
      JsonNode d = j == null ? null : j.has("detail") ? j.get("detail") : j.get("title");
      text = d == null ? r.body() : d.isTextual() ? d.asText() : d.toString();
    } catch (IOException e) {
      text = r.body();
    }
    text = oneLine(text);
    return text.isEmpty() ? "" : ": " + text;
  }

  /**
   * Exponential backoff with jitter: try n waits between half and all of base·2^(n-1), capped, so clients
   * that failed together do not come back together; a server's Retry-After (seconds or a date) wins.
   */
  Duration delay(int tries, Optional<String> retryAfter) {
    Optional<Duration> asked = retryAfter.flatMap(AirflowHttp::parseRetryAfter);
    if (asked.isPresent()) return asked.get().compareTo(settings.retryMax) > 0 ? settings.retryMax : asked.get();
    double ceiling = Math.min(settings.retryMax.toNanos(), settings.retryBase.toNanos() * Math.pow(2, tries - 1));
    return Duration.ofNanos((long) (ceiling / 2 + ThreadLocalRandom.current().nextDouble() * ceiling / 2));
  }

  static Optional<Duration> parseRetryAfter(String v) {
    String s = v.strip();
    try {
      long secs = Long.parseLong(s);
      return secs < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(secs));
    } catch (NumberFormatException notSeconds) {
      try {
        Duration d = Duration.between(ZonedDateTime.now(), ZonedDateTime.parse(s, DateTimeFormatter.RFC_1123_DATE_TIME));
        return Optional.of(d.isNegative() ? Duration.ZERO : d);
      } catch (RuntimeException notADate) {
        return Optional.empty();
      }
    }
  }

  private static void sleep(Duration d, String what) {
    try {
      Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserError("interrupted while waiting for Airflow to " + what);
    }
  }

  static String oneLine(String s) {
    if (s == null) return "";
    String t = s.strip().replaceAll("\\s*\\R\\s*", " ");
    return t.length() > 300 ? t.substring(0, 300) + "…" : t;
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }
}
