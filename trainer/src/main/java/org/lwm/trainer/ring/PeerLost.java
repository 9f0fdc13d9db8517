package org.lwm.trainer.ring;

/** A ring peer died, closed its connection or stayed silent past the timeout: one line naming its rank and address. */
public final class PeerLost extends RuntimeException {
  public PeerLost(String message) {
    super(message);
  }

  public PeerLost(String message, Throwable cause) {
    super(message, cause);
  }
}
