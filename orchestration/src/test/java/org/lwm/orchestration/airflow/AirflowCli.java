package org.lwm.orchestration.airflow;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.lwm.core.cli.UserError;
import picocli.CommandLine;

/**
 * Runs {@code lwm airflow …} in-process with a recording HTTP client and a given environment. A failure
 * that is not a {@link UserError} is rethrown: it would have reached the user as a stack trace.
 */
final class AirflowCli {
  record Run(int code, String out, String err) {
    @Override
    public String toString() {
      return "exit " + code + "\n--- out\n" + out + "--- err\n" + err;
    }
  }

  private final Map<String, String> env;
  final List<RecordingHttpClient.Exchange> exchanges = RecordingHttpClient.newLog();

  AirflowCli(Map<String, String> env) {
    this.env = env;
  }

  synchronized Run run(String... args) {
    PrintStream oldOut = System.out, oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      CommandLine cl = new CommandLine(new AirflowCommand(s -> new RecordingHttpClient(AirflowCommand.httpClient(s), exchanges), env))
          .setOut(new PrintWriter(System.out, true))
          .setErr(new PrintWriter(System.err, true));
      cl.setExecutionExceptionHandler((e, line, parsed) -> {
        if (!(e instanceof UserError)) throw e;
        line.getErr().println("lwm: " + e.getMessage());
        line.getErr().flush();
        return 1;
      });
      int code = cl.execute(args);
      return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }
}
