package org.lwm.notebooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.lwm.core.testing.TestSpark;
import org.lwm.orchestration.notebook.JupyterKernel;

/** {@code lwm notebook} as a process: Jupyter comes up on notebooks/ with lwm-java as its default kernel. */
class NotebookCommandTest {
  @Test
  void jupyterServesTheNotebooksWithTheJavaKernel() throws Exception {
    DemoLake.tool("jupyter-notebook", "jupyter-notebook");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path work = Path.of(DemoLake.property("lwm.notebooks.work"));
    Files.createDirectories(work);
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.addAll(JupyterKernel.sparkJvmFlags());
    cmd.addAll(List.of("-Dlwm.home=" + TestSpark.repoRoot(), "-cp", DemoLake.classpath(), "org.lwm.orchestration.Lwm",
        "notebook", "--lake", DemoLake.lake().toString(), "--no-browser", "--port", String.valueOf(port), "--", "--NotebookApp.token=test"));
    Path log = work.resolve("lwm-notebook.log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      HttpClient http = HttpClient.newHttpClient();
      JsonNode specs = null;
      for (int i = 0; i < 120 && specs == null && p.isAlive(); i++) {
        try {
          HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/kernelspecs?token=test")).build(),
              HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() == 200) specs = new ObjectMapper().readTree(r.body());
        } catch (java.io.IOException notYet) {
          Thread.sleep(1000);
        }
      }
      assertTrue(specs != null, "Jupyter did not come up: " + DemoLake.tail(log));
      assertEquals(JupyterKernel.NAME, specs.path("default").asText(), specs.toString());
      JsonNode env = specs.path("kernelspecs").path(JupyterKernel.NAME).path("spec").path("env");
      assertTrue(env.path("RJK_CLASSPATH").asText().contains("orchestration"), env.toString());
      // the kernel's JVM loads the project's LoopThread (notebooks/target/classes) ahead of the kernel jar's
      List<String> argv = new ArrayList<>();
      specs.path("kernelspecs").path(JupyterKernel.NAME).path("spec").path("argv").forEach(a -> argv.add(a.asText()));
      String kernelPath = argv.get(argv.indexOf("-cp") + 1);
      assertTrue(kernelPath.matches(".*notebooks/target/classes:.*rapaio-jupyter-kernel\\.jar"), argv.toString());
      assertTrue(DemoLake.tail(log).contains("lake " + org.lwm.core.lake.Lake.of(DemoLake.lake().toString()).root()), DemoLake.tail(log));
    } finally {
      p.destroy(); // its shutdown hook ends Jupyter
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
    }
  }
}
