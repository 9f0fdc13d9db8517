package org.lwm.qa.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.lwm.qa.bench.LocalChatServer;
import org.lwm.qa.bench.LocalChatServer.Mode;

/** The openai client against a local chat-completions server that misbehaves on demand. */
class OpenAiGeneratorTest {
  static final String CHUNK = "And Noah was six hundred years old when the flood of waters was upon the earth. "
      + "And Noah went in, and his sons, and his wife, and his sons' wives with him, into the ark.";

  LocalChatServer server;

  @BeforeEach
  void start() throws Exception {
    server = LocalChatServer.start(5);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  OpenAiGenerator generator(double timeoutS, int attempts) {
    return new OpenAiGenerator(new OpenAiGenerator.Settings(server.baseUrl(), "local-model", "sk-test-secret", OpenAiGenerator.DEFAULT_PROMPT,
        0.7, 256, false, 4, timeoutS, attempts, 0.05, 0.2, 5, 1000), new QaValidator(500, 1500, 0.5));
  }

  @Test
  void aGoodReplyIsParsedAndTheKeyIsSentButNeverShown() {
    OpenAiGenerator gen = generator(5, 3);
    QaResult r = gen.generate("book", 0, CHUNK);
    assertTrue(r.isOk(), String.valueOf(r));
    assertEquals("How does the passage begin?", r.question());
    assertTrue(r.answer().contains("Noah was six hundred years old"), r.answer());
    assertEquals(1, r.attempts());
    assertEquals("Bearer sk-test-secret", server.authorizations().get(0));
    assertFalse(gen.toString().contains("sk-test-secret"));
  }

  @Test
  void rateLimitHonoursRetryAfter() {
    server.retryAfter("1").scriptAll(Mode.RATE_LIMITED);
    long t0 = System.nanoTime();
    QaResult r = generator(5, 3).generate("book", 0, CHUNK);
    double s = (System.nanoTime() - t0) / 1e9;
    assertTrue(r.isOk(), String.valueOf(r));
    assertEquals(2, r.attempts());
    // backoff alone would wait at most 0.05 s; the server asked for 1 s
    assertTrue(s >= 1.0, "waited only " + s + " s");
  }

  @Test
  void serverErrorsAreRetriedWithBackoffThenRecordedAsFailed() {
    server.scriptAll(Mode.SERVER_ERROR, Mode.SERVER_ERROR);
    QaResult r = generator(5, 3).generate("book", 0, CHUNK);
    assertTrue(r.isOk(), String.valueOf(r));
    assertEquals(3, r.attempts());

    server.scriptAll(Mode.SERVER_ERROR, Mode.SERVER_ERROR, Mode.SERVER_ERROR);
    QaResult failed = generator(5, 3).generate("book", 1, CHUNK);
    assertEquals(QaResult.FAILED, failed.status());
    assertEquals(3, failed.attempts());
    assertTrue(failed.error().contains("HTTP 500") && failed.error().contains("3 attempts"), failed.error());
  }

  @Test
  void aHangPastTheTimeoutIsAbandonedAndRetried() {
    server.hangMs(3000).scriptAll(Mode.HANG);
    long t0 = System.nanoTime();
    QaResult r = generator(0.5, 3).generate("book", 0, CHUNK);
    double s = (System.nanoTime() - t0) / 1e9;
    assertTrue(r.isOk(), String.valueOf(r));
    assertEquals(2, r.attempts());
    assertTrue(s < 2.5, "the hung request was waited for: " + s + " s");

    server.scriptAll(Mode.HANG, Mode.HANG);
    QaResult failed = generator(0.5, 2).generate("book", 1, CHUNK);
    assertEquals(QaResult.FAILED, failed.status());
    assertTrue(failed.error().contains("no complete response within 0.5 s"), failed.error());
  }

  @Test
  void malformedAndIncompleteRepliesAreRetriedAndNamedWhenTheyPersist() {
    server.scriptAll(Mode.MALFORMED_JSON, Mode.NO_CONTENT, Mode.MISSING_ANSWER);
    QaResult r = generator(5, 4).generate("book", 0, CHUNK);
    assertTrue(r.isOk(), String.valueOf(r));
    assertEquals(4, r.attempts());

    server.scriptAll(Mode.MALFORMED_JSON, Mode.MALFORMED_JSON);
    QaResult bad = generator(5, 2).generate("book", 1, CHUNK);
    assertTrue(bad.error().startsWith("response is not valid JSON"), bad.error());

    server.scriptAll(Mode.MISSING_ANSWER, Mode.MISSING_ANSWER);
    QaResult missing = generator(5, 2).generate("book", 2, CHUNK);
    assertTrue(missing.error().contains("no \"answer\""), missing.error());

    server.scriptAll(Mode.NO_CONTENT);
    QaResult none = generator(5, 1).generate("book", 3, CHUNK);
    assertTrue(none.error().contains("choices[0].message.content"), none.error());
  }

  @Test
  void anUngroundedAnswerIsRejected() {
    server.scriptAll(Mode.UNGROUNDED, Mode.UNGROUNDED);
    QaResult r = generator(5, 2).generate("book", 0, CHUNK);
    assertEquals(QaResult.FAILED, r.status());
    assertTrue(r.error().contains("not grounded"), r.error());
  }

  @Test
  void aRefusedKeyFailsAtOnce() {
    server.scriptAll(Mode.UNAUTHORIZED, Mode.UNAUTHORIZED, Mode.UNAUTHORIZED);
    QaResult r = generator(5, 3).generate("book", 0, CHUNK);
    assertEquals(1, r.attempts());
    assertTrue(r.error().startsWith("HTTP 401 (not retried)"), r.error());
    assertEquals(1, server.requests());
  }

  @Test
  void promptHashFollowsWhatShapesTheOutput() {
    OpenAiGenerator a = generator(5, 3);
    OpenAiGenerator b = new OpenAiGenerator(new OpenAiGenerator.Settings(server.baseUrl(), "other-model", "", OpenAiGenerator.DEFAULT_PROMPT,
        0.7, 256, false, 4, 5, 3, 0.05, 0.2, 5, 1000), new QaValidator(500, 1500, 0.5));
    OpenAiGenerator c = new OpenAiGenerator(new OpenAiGenerator.Settings("http://elsewhere/v1", "local-model", "other-key", OpenAiGenerator.DEFAULT_PROMPT,
        0.7, 256, false, 16, 30, 9, 1, 2, 5, 1000), new QaValidator(500, 1500, 0.5));
    assertNotEquals(a.promptHash(), b.promptHash());
    assertEquals(a.promptHash(), c.promptHash(), "endpoint, key, retries and concurrency do not change what is asked");
  }

  @Test
  void retryAfterReadsSecondsAndHttpDates() {
    assertEquals(3.0, OpenAiGenerator.retryAfterSeconds("3"));
    assertEquals(null, OpenAiGenerator.retryAfterSeconds("soon"));
    String inTwoSeconds = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(5));
    double s = OpenAiGenerator.retryAfterSeconds(inTwoSeconds);
    assertTrue(s > 3 && s <= 5, String.valueOf(s));
  }

  @Test
  void validatorAcceptsFencedJsonAndChecksLimits() {
    QaValidator v = new QaValidator(40, 60, 0.5);
    assertTrue(v.check("```json\n{\"question\": \"How old was Noah?\", \"answer\": \"six hundred years old\"}\n```", CHUNK).isOk());
    assertTrue(v.check("{\"question\": \"" + "x".repeat(41) + "\", \"answer\": \"Noah\"}", CHUNK).error().contains("exceeds 40"));
    assertTrue(v.check("{\"question\": \"Who?\", \"answer\": \"\"}", CHUNK).error().contains("empty answer"));
    assertTrue(v.check("{\"question\": \"How many?\", \"answer\": \"600\"}", "he was 600 years").isOk(), "a number found as written");
    assertFalse(v.check("{\"question\": \"How many?\", \"answer\": \"601\"}", "he was 600 years").isOk());
  }
}
