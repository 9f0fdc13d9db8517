package org.lwm.qa.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.lwm.qa.QaTables;

/**
 * QA pairs from any OpenAI-compatible chat-completions endpoint ({@code POST <base_url>/chat/completions}: vLLM,
 * TGI, llama.cpp's server, Ollama, OpenAI). Plain {@code java.net.http} and Jackson: both already on Spark's
 * classpath, and the protocol used is one request shape and one response field, so a client library would add
 * a dependency tree without removing code; retries and timeouts stay under our control.
 *
 * <p>Each attempt has a hard time limit (the whole response, not only its headers). HTTP 429, 5xx, timeouts,
 * connection errors and replies that fail {@link QaValidator} are retried up to {@code maxAttempts} times with
 * exponential backoff and full jitter (a random wait in [0, min(max, base·2^k)]); a {@code Retry-After} header
 * (seconds or an HTTP date) is honoured instead of the backoff. Other 4xx (bad key, unknown model) fail at once.
 * The API key is read from an environment variable on the driver; it is sent only in the Authorization header
 * and never printed ({@link #toString} leaves it out).
 */
public final class OpenAiGenerator implements QaGenerator {
  public static final String NAME = "openai";
  public static final String DEFAULT_PROMPT = "Read the passage below. Write one question that can be answered from the passage alone, "
      + "without outside knowledge, and its answer, using the passage's own words where you can. "
      + "Reply with one JSON object and nothing else: {\"question\": \"...\", \"answer\": \"...\"}\n\nPassage:\n{chunk}";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Everything that configures the client; {@code apiKey} may be empty (local servers). */
  public record Settings(String baseUrl, String model, String apiKey, String promptTemplate, double temperature, int maxTokens,
      boolean jsonMode, int concurrency, double timeoutSeconds, int maxAttempts, double backoffSeconds, double maxBackoffSeconds,
      double maxRetryAfterSeconds, int chunkTokens) implements java.io.Serializable {
    @Override
    public String toString() {
      return "OpenAiGenerator.Settings[" + baseUrl + ", model " + model + ", concurrency " + concurrency + "]";
    }
  }

  private final Settings s;
  private final QaValidator validator;
  private transient volatile HttpClient client;

  public OpenAiGenerator(Settings settings, QaValidator validator) {
    if (!settings.promptTemplate().contains("{chunk}")) {
      throw new org.lwm.core.cli.UserError("the QA prompt template has no {chunk} placeholder: add it where the passage goes (qa.openai.prompt)");
    }
    this.s = settings;
    this.validator = validator;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String model() {
    return s.model();
  }

  @Override
  public int concurrency() {
    return s.concurrency();
  }

  @Override
  public String promptHash() {
    return QaTables.sha256(16, "openai-v1", s.promptTemplate(), s.model(), String.valueOf(s.temperature()), String.valueOf(s.maxTokens()),
        String.valueOf(s.jsonMode()), validator.toString(), String.valueOf(s.chunkTokens()));
  }

  @Override
  public QaResult generate(String bookId, int chunkIndex, String chunkText) {
    HttpRequest request = request(chunkText);
    String lastError = "no attempt made";
    for (int attempt = 1; attempt <= s.maxAttempts(); attempt++) {
      double waitSeconds = backoff(attempt);
      try {
        HttpResponse<String> resp = send(request);
        int code = resp.statusCode();
        if (code == 200) {
          QaResult r = parse(resp.body(), chunkText);
          if (r.isOk()) return QaResult.ok(r.question(), r.answer(), attempt);
          lastError = r.error();
        } else if (code == 429 || code >= 500) {
          lastError = "HTTP " + code + ": " + QaValidator.snippet(resp.body());
          Double retryAfter = retryAfterSeconds(resp.headers().firstValue("Retry-After").orElse(null));
          if (retryAfter != null) waitSeconds = Math.min(retryAfter, s.maxRetryAfterSeconds());
        } else {
          return QaResult.failed("HTTP " + code + " (not retried): " + QaValidator.snippet(resp.body()), attempt);
        }
      } catch (TimeoutException e) {
        lastError = String.format(Locale.ROOT, "no complete response within %.1f s", s.timeoutSeconds());
      } catch (IOException e) {
        lastError = "connection failed: " + e;
      }
      if (attempt < s.maxAttempts()) sleep(waitSeconds);
    }
    return QaResult.failed(lastError + " (after " + s.maxAttempts() + " attempts)", s.maxAttempts());
  }

  private HttpRequest request(String chunkText) {
    ObjectNode body = JSON.createObjectNode();
    body.put("model", s.model());
    ObjectNode message = body.putArray("messages").addObject();
    message.put("role", "user");
    message.put("content", s.promptTemplate().replace("{chunk}", chunkText));
    body.put("temperature", s.temperature());
    body.put("max_tokens", s.maxTokens());
    if (s.jsonMode()) body.putObject("response_format").put("type", "json_object");
    String base = s.baseUrl().endsWith("/") ? s.baseUrl().substring(0, s.baseUrl().length() - 1) : s.baseUrl();
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/chat/completions"))
        .timeout(Duration.ofMillis((long) (s.timeoutSeconds() * 1000)))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    if (s.apiKey() != null && !s.apiKey().isEmpty()) b.header("Authorization", "Bearer " + s.apiKey());
    return b.build();
  }

  /** Sends with a limit on the whole exchange: HttpRequest's own timeout stops waiting at the headers. */
  private HttpResponse<String> send(HttpRequest request) throws IOException, TimeoutException {
    CompletableFuture<HttpResponse<String>> f = client().sendAsync(request, HttpResponse.BodyHandlers.ofString());
    try {
      return f.get((long) (s.timeoutSeconds() * 1000), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      throw e;
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof java.net.http.HttpTimeoutException) throw new TimeoutException(c.getMessage());
      if (c instanceof IOException io) throw io;
      throw new IOException(c);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  /** The pair in a chat-completions response ({@code choices[0].message.content}), validated against the chunk. */
  QaResult parse(String body, String chunkText) {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (IOException e) {
      return QaResult.failed("response is not valid JSON: " + QaValidator.snippet(body), 0);
    }
    JsonNode content = root == null ? null : root.path("choices").path(0).path("message").get("content");
    if (content == null || !content.isTextual()) return QaResult.failed("response has no choices[0].message.content: " + QaValidator.snippet(body), 0);
    return validator.check(content.asText(), chunkText);
  }

  private double backoff(int attempt) {
    double cap = Math.min(s.maxBackoffSeconds(), s.backoffSeconds() * Math.pow(2, attempt - 1));
    return ThreadLocalRandom.current().nextDouble() * cap;
  }

  /** Retry-After as seconds: a number of seconds or an HTTP date; null when absent or unreadable. */
  static Double retryAfterSeconds(String value) {
    if (value == null || value.isBlank()) return null;
    try {
      return Math.max(0, Double.parseDouble(value.strip()));
    } catch (NumberFormatException e) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME);
        return Math.max(0, Duration.between(ZonedDateTime.now(at.getZone()), at).toMillis() / 1000.0);
      } catch (java.time.format.DateTimeParseException e2) {
        return null;
      }
    }
  }

  private static void sleep(double seconds) {
    try {
      Thread.sleep((long) (seconds * 1000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private HttpClient client() {
    HttpClient c = client;
    if (c == null) {
      synchronized (this) {
        if (client == null) {
          client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofMillis((long) (s.timeoutSeconds() * 1000)))
              .executor(java.util.concurrent.Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "qa-openai-http");
                t.setDaemon(true);
                return t;
              }))
              .build();
        }
        c = client;
      }
    }
    return c;
  }

  @Override
  public String toString() {
    return s.toString();
  }
}
