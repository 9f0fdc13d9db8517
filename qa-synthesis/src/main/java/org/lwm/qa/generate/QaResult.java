package org.lwm.qa.generate;

import java.io.Serializable;

/** What a generator made of one chunk: a question/answer pair ({@code ok}) or the error ({@code failed}). */
public record QaResult(String question, String answer, String status, String error, int attempts) implements Serializable {
  public static final String OK = "ok";
  public static final String FAILED = "failed";

  public static QaResult ok(String question, String answer, int attempts) {
    return new QaResult(question, answer, OK, null, attempts);
  }

  public static QaResult failed(String error, int attempts) {
    return new QaResult(null, null, FAILED, error, attempts);
  }

  public boolean isOk() {
    return OK.equals(status);
  }
}
