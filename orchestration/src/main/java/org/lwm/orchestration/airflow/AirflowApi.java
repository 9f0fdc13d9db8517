package org.lwm.orchestration.airflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.lwm.core.cli.UserError;

/**
 * What differs between Airflow 2's stable REST API ({@code /api/v1}, basic auth) and Airflow 3's
 * ({@code /api/v2}, bearer tokens). Everything else the client does is the same for both; the paths
 * below the prefix are the same for the endpoints this client uses.
 */
public enum AirflowApi {
  V1("/api/v1"),
  V2("/api/v2");

  private final String prefix;

  AirflowApi(String prefix) {
    this.prefix = prefix;
  }

  /** The path prefix every endpoint of this version lives under. */
  public String prefix() {
    return prefix;
  }

  /** {@code v1}, {@code v2}; {@code auto} (null here) is resolved by asking the server. */
  public static AirflowApi parse(String value) {
    switch (value.strip().toLowerCase()) {
      case "v1": return V1;
      case "v2": return V2;
      case "auto": return null;
      default: throw new UserError("airflow.api must be v1 (Airflow 2), v2 (Airflow 3) or auto, got '" + value + "'");
    }
  }

  /** The body of a trigger: Airflow 3 wants {@code logical_date} present (null: "now", no data interval). */
  ObjectNode triggerBody(String runId, JsonNode conf) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("dag_run_id", runId);
    body.set("conf", conf);
    if (this == V2) body.putNull("logical_date");
    return body;
  }

  /**
   * The query of a pause/unpause. Airflow 2 needs the field mask; Airflow 3's patch body holds only
   * {@code is_paused}, so the mask is left out (the v2 spec types it as a nullable array, which one
   * repeated value does not reliably satisfy in validators).
   */
  String pauseQuery() {
    return this == V1 ? "update_mask=is_paused" : "";
  }

  /** Newest runs first: Airflow 3 orders by when a run may start, Airflow 2 by its execution date. */
  String newestRunsFirst() {
    return this == V1 ? "-execution_date" : "-run_after";
  }

  /** Log lines from a log response: a string in Airflow 2, a list of messages or strings in Airflow 3. */
  static List<String> logLines(JsonNode body) {
    List<String> lines = new ArrayList<>();
    JsonNode content = body.path("content");
    if (content.isTextual()) {
      content.asText().lines().forEach(lines::add);
    } else if (content.isArray()) {
      for (JsonNode m : content) {
        if (m.isTextual()) {
          m.asText().lines().forEach(lines::add);
        } else {
          String ts = m.path("timestamp").asText("");
          String level = m.path("level").asText("");
          String prefix = (ts.isEmpty() ? "" : ts + " ") + (level.isEmpty() ? "" : level.toUpperCase() + " ");
          m.path("event").asText("").lines().forEach(l -> lines.add(prefix + l));
        }
      }
    }
    return lines;
  }

  @Override
  public String toString() {
    return this == V1 ? "v1 (Airflow 2)" : "v2 (Airflow 3)";
  }
}
