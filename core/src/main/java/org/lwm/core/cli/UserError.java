package org.lwm.core.cli;

/**
 * A problem with the user's input or environment, reported as one line ("lwm: ...") and exit code 1,
 * never as a stack trace. The message names the input, the problem and what to do.
 */
public class UserError extends RuntimeException {
  public UserError(String message) {
    super(message);
  }

  public UserError(String message, Throwable cause) {
    super(message, cause);
  }
}
