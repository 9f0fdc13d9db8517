package org.lwm.trainer.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import org.lwm.core.cli.UserError;
import org.lwm.core.tokenizer.SentencePieceTokenizer;

/**
 * An OpenAI-compatible HTTP server for a checkpoint: {@code GET /v1/models}, {@code POST /v1/completions},
 * {@code POST /v1/chat/completions} (both also streamed as server-sent events with {@code "stream": true}).
 * Requests share the {@link Engine}'s batch; when its queue is full the answer is 429 with {@code Retry-After}.
 * Bad requests get a 4xx with OpenAI's error object ({@code {"error": {"message", "type", "param"}}}); request
 * bodies are limited in size and {@code max_tokens} in value. Chat replies follow DESIGN §9's template
 * ({@link ChatPrompt}) and end at EOS, at a stop string, or where the model starts the next "USER:" turn.
 */
public final class OpenAiServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_BODY = 1 << 20;

  /** Limits: the largest max_tokens a request may ask, the batch, the waiting queue. */
  public record Limits(int maxTokens, int maxBatch, int queue, int threads) {}

  private final String model;
  private final SentencePieceTokenizer tok;
  private final Engine engine;
  private final Limits limits;
  private final HttpServer http;
  private final ExecutorService pool;
  private final long created = System.currentTimeMillis() / 1000;
  private final int context;

  public OpenAiServer(Decoder decoder, SentencePieceTokenizer tok, String model, String host, int port, Limits limits) throws IOException {
    if (System.getProperty("sun.net.httpserver.nodelay") == null) System.setProperty("sun.net.httpserver.nodelay", "true");
    this.model = model;
    this.tok = tok;
    this.limits = limits;
    this.context = decoder.config().maxPositions();
    this.engine = new Engine(decoder, limits.maxBatch(), limits.queue());
    this.http = HttpServer.create(new InetSocketAddress(host, port), 128);
    this.pool = Executors.newFixedThreadPool(limits.threads(), r -> {
      Thread t = new Thread(r, "lwm-serve");
      t.setDaemon(true);
      return t;
    });
    http.setExecutor(pool);
    http.createContext("/", this::handle);
    http.start();
  }

  public int port() {
    return http.getAddress().getPort();
  }

  /** A client's mistake: the HTTP status and OpenAI's error type. */
  private static final class ApiError extends RuntimeException {
    final int status;
    final String type;
    final String param;

    ApiError(int status, String type, String param, String message) {
      super(message);
      this.status = status;
      this.type = type;
      this.param = param;
    }
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath().replaceAll("/+$", "");
      String method = ex.getRequestMethod();
      try {
        switch (path) {
          case "/v1/models" -> {
            requireMethod(method, "GET");
            ObjectNode o = JSON.createObjectNode().put("object", "list");
            o.putArray("data").addObject().put("id", model).put("object", "model").put("created", created).put("owned_by", "lwm");
            send(ex, 200, o);
          }
          case "/v1/completions" -> {
            requireMethod(method, "POST");
            complete(ex, body(ex), false);
          }
          case "/v1/chat/completions" -> {
            requireMethod(method, "POST");
            complete(ex, body(ex), true);
          }
          default -> throw new ApiError(404, "invalid_request_error", null, "no route " + method + " " + path
              + " (this server has /v1/models, /v1/completions, /v1/chat/completions)");
        }
      } catch (ApiError e) {
        if (e.status == 429) ex.getResponseHeaders().set("Retry-After", "1");
        ObjectNode err = JSON.createObjectNode();
        err.putObject("error").put("message", e.getMessage()).put("type", e.type).put("param", e.param).putNull("code");
        send(ex, e.status, err);
      }
    }
  }

  private static void requireMethod(String method, String want) {
    if (!method.equals(want)) throw new ApiError(405, "invalid_request_error", null, "use " + want + ", not " + method);
  }

  private static JsonNode body(HttpExchange ex) throws IOException {
    byte[] b;
    try (InputStream in = ex.getRequestBody()) {
      b = in.readNBytes(MAX_BODY + 1);
    }
    if (b.length > MAX_BODY) throw new ApiError(413, "invalid_request_error", null, "request body over " + MAX_BODY + " bytes");
    try {
      JsonNode n = JSON.readTree(b);
      if (n == null || !n.isObject()) throw new ApiError(400, "invalid_request_error", null, "the body must be a JSON object");
      return n;
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new ApiError(400, "invalid_request_error", null, "the body is not valid JSON: " + e.getOriginalMessage());
    }
  }

  /** What the engine reports for one request, in order. */
  private record Event(int token, TextGenerator.Result done, RuntimeException failed) {}

  private void complete(HttpExchange ex, JsonNode req, boolean chat) throws IOException {
    int[] prompt;
    if (chat) {
      JsonNode messages = req.path("messages");
      if (!messages.isArray() || messages.isEmpty()) throw new ApiError(400, "invalid_request_error", "messages", "'messages' must be a non-empty array");
      List<String> roles = new ArrayList<>(), contents = new ArrayList<>();
      for (JsonNode m : messages) {
        if (!m.path("role").isTextual() || !m.path("content").isTextual()) {
          throw new ApiError(400, "invalid_request_error", "messages", "every message needs a string 'role' and 'content'");
        }
        roles.add(m.get("role").asText());
        contents.add(m.get("content").asText());
      }
      try {
        prompt = ChatPrompt.tokens(tok, roles, contents);
      } catch (UserError e) {
        throw new ApiError(400, "invalid_request_error", "messages", e.getMessage());
      }
    } else {
      JsonNode p = req.path("prompt");
      if (p.isArray() && p.size() == 1 && p.get(0).isTextual()) p = p.get(0);
      if (!p.isTextual()) throw new ApiError(400, "invalid_request_error", "prompt", "'prompt' must be a string (one prompt per request)");
      prompt = ChatPrompt.plain(tok, p.asText());
    }
    if (req.path("n").asInt(1) != 1) throw new ApiError(400, "invalid_request_error", "n", "only n = 1 is served");
    int maxTokens = intField(req, chat && req.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens", chat ? limits.maxTokens() : 16);
    if (maxTokens < 1 || maxTokens > limits.maxTokens()) {
      throw new ApiError(400, "invalid_request_error", "max_tokens", "max_tokens " + maxTokens + " must be in 1…" + limits.maxTokens());
    }
    Sampling sampling;
    try {
      sampling = new Sampling(req.path("temperature").asDouble(1.0), req.path("top_k").asInt(0), req.path("top_p").asDouble(1.0),
          req.has("seed") ? req.get("seed").asLong() : System.nanoTime());
    } catch (UserError e) {
      throw new ApiError(400, "invalid_request_error", null, e.getMessage());
    }
    List<String> stops = new ArrayList<>();
    JsonNode st = req.path("stop");
    if (st.isTextual()) stops.add(st.asText());
    else if (st.isArray()) for (JsonNode s : st) if (s.isTextual() && !s.asText().isEmpty()) stops.add(s.asText());
    if (chat) stops.add(ChatPrompt.NEXT_TURN);
    boolean stream = req.path("stream").asBoolean(false);
    if ((long) prompt.length + maxTokens > context) {
      throw new ApiError(400, "invalid_request_error", "max_tokens", "the prompt's " + prompt.length + " tokens and max_tokens "
          + maxTokens + " exceed the model's context of " + context);
    }

    BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    Set<Integer> eos = new HashSet<>();
    if (tok.eosId() >= 0) eos.add(tok.eosId());
    Text text = new Text(tok, stops);
    TextGenerator.Listener listener = new TextGenerator.Listener() {
      @Override
      public boolean token(int id) {
        events.add(new Event(id, null, null));
        return !text.accept(id) && !text.gone;
      }

      @Override
      public void done(TextGenerator.Result r) {
        events.add(new Event(-1, r, null));
      }

      @Override
      public void failed(RuntimeException e) {
        events.add(new Event(-1, null, e));
      }
    };
    if (!engine.submit(new TextGenerator.Request(prompt, maxTokens, sampling, eos), listener)) {
      throw new ApiError(429, "rate_limit_error", null, "the server's queue is full (" + limits.queue() + " waiting): retry later");
    }
    String id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    if (stream) {
      ex.getResponseHeaders().set("Content-Type", "text/event-stream");
      ex.getResponseHeaders().set("Cache-Control", "no-cache");
      ex.sendResponseHeaders(200, 0);
      OutputStream out = ex.getResponseBody();
      Text shown = new Text(tok, stops);
      if (chat) sse(out, chunk(id, chat, JSON.createObjectNode().put("role", "assistant").put("content", ""), null));
      while (true) {
        Event e = take(events);
        if (e.failed() != null) {
          ObjectNode err = JSON.createObjectNode();
          err.putObject("error").put("message", message(e.failed())).put("type", "server_error");
          sse(out, err);
          break;
        }
        if (e.done() != null) {
          String rest = shown.flushFinal();
          ObjectNode delta = JSON.createObjectNode();
          if (!rest.isEmpty()) delta.put(chat ? "content" : "text", rest);
          sse(out, chunk(id, chat, delta, shown.stopped ? "stop" : e.done().finishReason()));
          break;
        }
        shown.accept(e.token());
        String delta = shown.flush();
        if (!delta.isEmpty()) {
          try {
            sse(out, chunk(id, chat, JSON.createObjectNode().put(chat ? "content" : "text", delta), null));
          } catch (IOException gone) {
            text.gone = true; // the client left: the engine ends the sequence at its next token
            drain(events);
            return;
          }
        }
      }
      out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      return;
    }
    TextGenerator.Result result = null;
    while (result == null) {
      Event e = take(events);
      if (e.failed() != null) {
        if (e.failed() instanceof UserError u) throw new ApiError(400, "invalid_request_error", null, u.getMessage());
        throw new ApiError(500, "server_error", null, message(e.failed()));
      }
      result = e.done();
    }
    String content = text.finalText();
    String finish = text.stopped ? "stop" : result.finishReason();
    ObjectNode o = JSON.createObjectNode().put("id", id).put("object", chat ? "chat.completion" : "text_completion")
        .put("created", System.currentTimeMillis() / 1000).put("model", model);
    ObjectNode choice = o.putArray("choices").addObject().put("index", 0);
    if (chat) choice.putObject("message").put("role", "assistant").put("content", content);
    else choice.put("text", content).putNull("logprobs");
    choice.put("finish_reason", finish);
    o.putObject("usage").put("prompt_tokens", prompt.length).put("completion_tokens", result.tokens().length)
        .put("total_tokens", prompt.length + result.tokens().length);
    send(ex, 200, o);
  }

  private static int intField(JsonNode req, String name, int dflt) {
    JsonNode n = req.get(name);
    if (n == null || n.isNull()) return dflt;
    if (!n.canConvertToInt()) throw new ApiError(400, "invalid_request_error", name, "'" + name + "' must be an integer");
    return n.asInt();
  }

  private static String message(RuntimeException e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private static Event take(BlockingQueue<Event> q) {
    try {
      return q.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiError(503, "server_error", null, "the server is shutting down");
    }
  }

  private static void drain(BlockingQueue<Event> q) {
    while (true) {
      Event e = take(q);
      if (e.done() != null || e.failed() != null) return;
    }
  }

  private ObjectNode chunk(String id, boolean chat, ObjectNode delta, String finish) {
    ObjectNode o = JSON.createObjectNode().put("id", id).put("object", chat ? "chat.completion.chunk" : "text_completion")
        .put("created", System.currentTimeMillis() / 1000).put("model", model);
    ArrayNode choices = o.putArray("choices");
    ObjectNode c = choices.addObject().put("index", 0);
    if (chat) c.set("delta", delta);
    else c.put("text", delta.path("text").asText("")).putNull("logprobs");
    if (finish == null) c.putNull("finish_reason");
    else c.put("finish_reason", finish);
    return o;
  }

  private static void sse(OutputStream out, JsonNode event) throws IOException {
    out.write(("data: " + event + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
    byte[] b = body.toString().getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  /**
   * A reply's text as its tokens arrive: decoded whole each time (multi-byte characters split across tokens come
   * out right), cut at the first stop string; {@link #flush} gives only text that no stop string could still claim.
   */
  static final class Text {
    private final SentencePieceTokenizer tok;
    private final List<String> stops;
    private final List<Integer> ids = new ArrayList<>();
    private String text = "";
    private int shown;
    boolean stopped;
    volatile boolean gone;

    Text(SentencePieceTokenizer tok, List<String> stops) {
      this.tok = tok;
      this.stops = stops;
    }

    /** Adds a token; true when the text now holds a stop string (the sequence should end). */
    boolean accept(int id) {
      ids.add(id);
      text = tok.decode(ids.stream().mapToInt(Integer::intValue).toArray()); // whole: a character may span tokens
      if (!stopped) for (String s : stops) if (text.contains(s)) stopped = true;
      return stopped;
    }

    /** The whole reply: up to the first stop string; a chat reply stripped. */
    String finalText() {
      String t = text;
      int cut = t.length();
      for (String s : stops) {
        int at = t.indexOf(s);
        if (at >= 0) cut = Math.min(cut, at);
      }
      return t.substring(0, cut);
    }

    /** New text safe to show: held back while it could be the start of a stop string or a split character. */
    String flush() {
      String t = finalText();
      int safe = t.length();
      if (!t.isEmpty() && Character.isHighSurrogate(t.charAt(safe - 1))) safe--;
      if (!t.isEmpty() && t.charAt(safe - 1) == '\uFFFD') safe--; // an incomplete UTF-8 sequence so far
      for (String s : stops) {
        for (int k = Math.min(s.length() - 1, safe); k > 0; k--) {
          if (t.regionMatches(safe - k, s, 0, k)) {
            safe -= k;
            break;
          }
        }
      }
      if (safe <= shown) return "";
      String out = t.substring(shown, safe);
      shown = safe;
      return out;
    }

    /** Whatever is left at the end. */
    String flushFinal() {
      String t = finalText();
      String out = shown < t.length() ? t.substring(shown) : "";
      shown = t.length();
      return out;
    }
  }

  @Override
  public void close() {
    http.stop(0);
    engine.close();
    pool.shutdownNow();
  }
}
