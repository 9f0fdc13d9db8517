package org.lwm.core.cli;

/**
 * How a module contributes top-level sub-commands to {@code lwm}: implement this, list the class in
 * {@code META-INF/services/org.lwm.core.cli.CommandProvider}, and return a picocli {@code @Command}
 * object. The orchestration module's main class finds every provider on the classpath.
 */
public interface CommandProvider {
  /** A fresh picocli command object (annotated with {@code @Command(name = ...)}). */
  Object command();
}
