package org.lwm.orchestration.airflow;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * How requests prove who sends them: HTTP basic (Airflow 2's basic-auth backend), a bearer token given
 * by the user, or a bearer token from Airflow 3's {@code POST /auth/token} ({@link AirflowTokenAuth}).
 */
interface AirflowAuth {
  /** The {@code Authorization} header's value, or null to send none. */
  String authorization();

  /** After a 401: drops a cached token; true when asking again with fresh credentials may succeed. */
  boolean renew();

  /** What to tell the user when Airflow refuses these credentials. */
  String hint();

  static AirflowAuth none() {
    return new AirflowAuth() {
      @Override public String authorization() { return null; }
      @Override public boolean renew() { return false; }
      @Override public String hint() { return "no credentials are set: set AIRFLOW_USERNAME and AIRFLOW_PASSWORD (or AIRFLOW_TOKEN)"; }
    };
  }

  static AirflowAuth basic(String username, String password) {
    String value = "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    return new AirflowAuth() {
      @Override public String authorization() { return value; }
      @Override public boolean renew() { return false; }
      @Override public String hint() { return "check AIRFLOW_USERNAME/AIRFLOW_PASSWORD (or airflow.username/airflow.password) and that the basic-auth API backend is enabled"; }
      @Override public String toString() { return "basic auth"; }
    };
  }

  static AirflowAuth bearer(String token) {
    String value = "Bearer " + token;
    return new AirflowAuth() {
      @Override public String authorization() { return value; }
      @Override public boolean renew() { return false; }
      @Override public String hint() { return "the token in AIRFLOW_TOKEN (or airflow.token) was refused: it may have expired; set AIRFLOW_USERNAME/AIRFLOW_PASSWORD to have tokens fetched and renewed"; }
      @Override public String toString() { return "bearer token"; }
    };
  }
}
