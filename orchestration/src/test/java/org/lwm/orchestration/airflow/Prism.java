package org.lwm.orchestration.airflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.lwm.core.testing.TestSpark;

/**
 * Stoplight Prism, the independent validator: {@code prism mock} answers from an Airflow OpenAPI spec and
 * validates every request against it; {@code prism proxy} forwards to an upstream and validates both the
 * request and the upstream's response. A violation comes back in the {@code sl-violations} header.
 * Installed by dev/test into dev/tools/node_modules (npm ci); a missing Prism fails the test.
 */
final class Prism implements AutoCloseable {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final int port;
  private final StringBuffer output = new StringBuffer();

  private Prism(Process process, int port) {
    this.process = process;
    this.port = port;
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String l; (l = r.readLine()) != null; ) output.append(l).append('\n');
      } catch (IOException ignored) {
        // the process ended
      }
    }, "prism-output");
    reader.setDaemon(true);
    reader.start();
  }

  static Prism mock(AirflowApi api, Path dir) {
    return start(List.of("mock", spec(api, dir).toString()));
  }

  static Prism proxy(AirflowApi api, Path dir, URI upstream) {
    return start(List.of("proxy", spec(api, dir).toString(), upstream.toString()));
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + port);
  }

  String output() {
    return output.toString();
  }

  /**
   * The spec as Prism should read it. Prism ignores a relative {@code servers} URL, so v1's
   * {@code servers: [{url: /api/v1}]} is applied to the paths themselves: that is where Airflow 2 serves
   * them, and where the client sends its requests. The v2 spec's paths already hold {@code /api/v2}.
   */
  static Path spec(AirflowApi api, Path dir) {
    String name = api == AirflowApi.V1 ? "airflow-2-stable-api-v1.yaml" : "airflow-3-rest-api-v2.yaml";
    try (InputStream in = Prism.class.getResourceAsStream("/airflow/" + name)) {
      if (in == null) throw new IllegalStateException("spec " + name + " missing from the test resources");
      ObjectNode spec = (ObjectNode) YAML.readTree(in);
      JsonNode servers = spec.path("servers");
      String prefix = servers.isArray() && servers.size() > 0 ? servers.get(0).path("url").asText("") : "";
      if (prefix.startsWith("/")) {
        ObjectNode paths = JSON.createObjectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = spec.get("paths").fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          paths.set(prefix + e.getKey(), e.getValue());
        }
        spec.set("paths", paths);
        spec.remove("servers");
      }
      Path out = dir.resolve(name.replace(".yaml", ".json"));
      JSON.writeValue(out.toFile(), spec);
      return out;
    } catch (IOException e) {
      throw new IllegalStateException("cannot prepare spec " + name, e);
    }
  }

  private static Prism start(List<String> args) {
    Path bin = TestSpark.repoRoot().resolve("dev/tools/node_modules/.bin/prism");
    if (!Files.isExecutable(bin)) {
      throw new IllegalStateException("Stoplight Prism is not installed at " + bin
          + ": run ./dev/test (it runs 'npm ci' in dev/tools), or 'cd dev/tools && npm ci --ignore-scripts'");
    }
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    List<String> cmd = new ArrayList<>(List.of(bin.toString()));
    cmd.addAll(args);
    cmd.addAll(List.of("--host", "127.0.0.1", "--port", String.valueOf(port)));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("SCARF_ANALYTICS", "false");
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start Prism (" + bin + "): is Node.js installed? " + e.getMessage(), e);
    }
    Prism prism = new Prism(p, port);
    Runtime.getRuntime().addShutdownHook(new Thread(p::destroy, "prism-stop")); // should the JVM end before close()
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (!prism.output().contains("Prism is listening")) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        prism.close();
        throw new IllegalStateException("Prism did not start (" + String.join(" ", args) + "):\n" + prism.output());
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    return prism;
  }

  @Override
  public void close() {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
