package org.lwm.core.lake;

import java.io.Serializable;
import java.sql.Timestamp;

/** One input a job could not use, with why. Lands in the {@code rejects} table; never dropped silently. */
public record Reject(String job, String source, String reason, String detail, Timestamp at) implements Serializable {
  public static Reject now(String job, String source, String reason, String detail) {
    return new Reject(job, source, reason, detail, new Timestamp(System.currentTimeMillis()));
  }
}
