package org.lwm.orchestration.airflow;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Map;
import org.lwm.core.config.Config;
import org.lwm.core.cli.UserError;

/**
 * Where Airflow is and how to talk to it, from config keys {@code airflow.*} with the environment's
 * {@code AIRFLOW_USERNAME}/{@code AIRFLOW_PASSWORD}/{@code AIRFLOW_TOKEN} taking over when the config
 * has no credentials. The secrets are kept out of {@link #toString()} and every message.
 */
public final class AirflowSettings {
  final URI url;
  final AirflowApi api; // null: ask the server (airflow.api=auto)
  final String username;
  final String password;
  final String token;
  final int retries;
  final Duration retryBase;
  final Duration retryMax;
  final Duration requestTimeout;
  final Duration connectTimeout;

  private AirflowSettings(URI url, AirflowApi api, String username, String password, String token, int retries,
      Duration retryBase, Duration retryMax, Duration requestTimeout, Duration connectTimeout) {
    this.url = url;
    this.api = api;
    this.username = username;
    this.password = password;
    this.token = token;
    this.retries = retries;
    this.retryBase = retryBase;
    this.retryMax = retryMax;
    this.requestTimeout = requestTimeout;
    this.connectTimeout = connectTimeout;
  }

  public static AirflowSettings from(Config config, Map<String, String> env) {
    URI url = parseUrl(config.get("airflow.url", env.getOrDefault("AIRFLOW_URL", "http://localhost:8080")));
    AirflowApi api = AirflowApi.parse(config.get("airflow.api", "auto"));
    String username = secret(config, env, "airflow.username", "AIRFLOW_USERNAME");
    String password = secret(config, env, "airflow.password", "AIRFLOW_PASSWORD");
    String token = secret(config, env, "airflow.token", "AIRFLOW_TOKEN");
    if ((username == null) != (password == null)) {
      throw new UserError("Airflow credentials need both a username and a password: set "
          + (username == null ? "AIRFLOW_USERNAME (or airflow.username)" : "AIRFLOW_PASSWORD (or airflow.password)"));
    }
    int retries = config.getInt("airflow.retries", 5);
    if (retries < 0) throw new UserError("config key 'airflow.retries' must be 0 or more, got " + retries);
    return new AirflowSettings(url, api, username, password, token, retries,
        seconds(config, "airflow.retry_base_seconds", 0.5), seconds(config, "airflow.retry_max_seconds", 30),
        seconds(config, "airflow.timeout_seconds", 30), seconds(config, "airflow.connect_timeout_seconds", 10));
  }

  private static String secret(Config config, Map<String, String> env, String key, String var) {
    String v = config.get(key, null);
    if (v == null || v.isEmpty()) v = env.get(var);
    return v == null || v.isEmpty() ? null : v;
  }

  private static Duration seconds(Config config, String key, double fallback) {
    double s = config.getDouble(key, fallback);
    if (!(s > 0)) throw new UserError("config key '" + key + "' must be a positive number of seconds, got " + s);
    return Duration.ofNanos((long) (s * 1e9));
  }

  private static URI parseUrl(String raw) {
    URI u;
    try {
      u = new URI(raw.strip());
    } catch (URISyntaxException e) {
      throw new UserError("airflow.url is not a URL (" + e.getReason() + "): give the webserver's root, e.g. http://airflow:8080");
    }
    if (u.getRawUserInfo() != null) {
      // not echoed: the user info is a secret
      throw new UserError("airflow.url must not hold credentials: set AIRFLOW_USERNAME and AIRFLOW_PASSWORD (or AIRFLOW_TOKEN) instead");
    }
    if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
      throw new UserError("airflow.url must be an http:// or https:// URL of the webserver, e.g. http://airflow:8080, got '" + raw + "'");
    }
    String s = u.toString();
    while (s.endsWith("/")) s = s.substring(0, s.length() - 1);
    // a URL given with the API prefix still means the webserver's root
    for (AirflowApi a : AirflowApi.values()) if (s.endsWith(a.prefix())) s = s.substring(0, s.length() - a.prefix().length());
    return URI.create(s);
  }

  boolean hasPassword() {
    return username != null;
  }

  @Override
  public String toString() {
    return "Airflow at " + url + " api " + (api == null ? "auto" : api) + (hasPassword() ? " as " + username : "");
  }
}
