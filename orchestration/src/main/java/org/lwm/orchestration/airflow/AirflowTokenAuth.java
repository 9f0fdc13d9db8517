package org.lwm.orchestration.airflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.lwm.core.cli.UserError;

/**
 * Airflow 3's bearer tokens: {@code POST /auth/token} with {@code {username, password}} answers
 * {@code {"access_token": JWT}}. The token is fetched on first use, fetched again a little before the
 * JWT's {@code exp} and whenever the server answers 401 (revoked, or a clock that disagrees).
 * A token given by the user is used first when there is one.
 */
final class AirflowTokenAuth implements AirflowAuth {
  /** Fetch a new token this long before the old one expires (at most a quarter of its life), so no request carries a dying one. */
  static final Duration EARLY = Duration.ofSeconds(30);

  private final AirflowHttp http;
  private final String username;
  private final String password;
  private final Clock clock;
  private String token;
  private Instant expires; // null: unknown, renewed only on a 401
  private Instant renewAt;
  private int fetched;

  AirflowTokenAuth(AirflowHttp http, String username, String password, String initialToken, Clock clock) {
    this.http = http;
    this.username = username;
    this.password = password;
    this.clock = clock;
    if (initialToken != null) take(initialToken);
  }

  @Override
  public synchronized String authorization() {
    if (token == null || renewAt != null && clock.instant().isAfter(renewAt)) fetch();
    return "Bearer " + token;
  }

  @Override
  public synchronized boolean renew() {
    if (username == null) return false;
    token = null;
    return true;
  }

  @Override
  public String hint() {
    return username == null
        ? "the token in AIRFLOW_TOKEN (or airflow.token) was refused; set AIRFLOW_USERNAME/AIRFLOW_PASSWORD to have tokens fetched and renewed"
        : "a fresh token from /auth/token was refused too: the user may lack access to the API";
  }

  /** How many tokens were fetched (the first and every renewal). */
  synchronized int fetched() {
    return fetched;
  }

  private void fetch() {
    if (username == null) {
      throw new UserError("the Airflow token has expired: set a new AIRFLOW_TOKEN, or AIRFLOW_USERNAME/AIRFLOW_PASSWORD to have tokens fetched and renewed");
    }
    ObjectNode body = AirflowHttp.JSON.createObjectNode().put("username", username).put("password", password);
    AirflowHttp.Response r = http.exchange("POST", "/auth/token", body, "get a token from /auth/token", AirflowAuth.none());
    if (r.status() == 401 || r.status() == 403) {
      throw new UserError("Airflow at " + http.url() + " refused the username and password at /auth/token (HTTP " + r.status()
          + "): check AIRFLOW_USERNAME/AIRFLOW_PASSWORD (or airflow.username/airflow.password)");
    }
    if (r.status() == 404) {
      throw new UserError("Airflow at " + http.url() + " has no /auth/token (HTTP 404): is it Airflow 3? For Airflow 2 set airflow.api=v1");
    }
    if (!r.ok()) throw http.error(r, "get a token from /auth/token", AirflowAuth.none());
    JsonNode t = r.json().get("access_token");
    if (t == null || !t.isTextual() || t.asText().isEmpty()) {
      throw new UserError("Airflow at " + http.url() + " answered /auth/token without an access_token");
    }
    fetched++;
    take(t.asText());
  }

  private void take(String jwt) {
    token = jwt;
    expires = expiry(jwt);
    if (expires == null) {
      renewAt = null;
    } else {
      Duration life = Duration.between(clock.instant(), expires);
      Duration early = life.dividedBy(4).compareTo(EARLY) < 0 ? life.dividedBy(4) : EARLY;
      renewAt = expires.minus(early.isNegative() ? Duration.ZERO : early);
    }
  }

  /** The JWT's {@code exp} claim, or null when the token is not a JWT or has none (it is not verified: the server does that). */
  static Instant expiry(String jwt) {
    String[] parts = jwt.split("\\.");
    if (parts.length < 2) return null;
    try {
      JsonNode claims = AirflowHttp.JSON.readTree(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
      JsonNode exp = claims.get("exp");
      return exp != null && exp.isNumber() ? Instant.ofEpochSecond(exp.asLong()) : null;
    } catch (IOException | IllegalArgumentException e) {
      return null;
    }
  }
}
