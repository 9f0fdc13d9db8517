package org.lwm.orchestration;

/** {@link CliTest#run} for tests in other packages of this module. */
public final class CliTestAccess {
  private CliTestAccess() {}

  public record Run(int code, String out, String err) {}

  public static Run run(String... args) {
    CliTest.Run r = CliTest.run(args);
    return new Run(r.code(), r.out(), r.err());
  }
}
