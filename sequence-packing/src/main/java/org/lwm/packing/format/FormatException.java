package org.lwm.packing.format;

/** A record that cannot be formatted with its fields spec; the message says which field and why. */
public final class FormatException extends IllegalArgumentException {
  public FormatException(String message) {
    super(message);
  }
}
