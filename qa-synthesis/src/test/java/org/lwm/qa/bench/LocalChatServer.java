package org.lwm.qa.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for an OpenAI-compatible chat-completions server on 127.0.0.1, for the generator's tests and
 * benchmark (not a test of anything by itself). {@code POST /v1/chat/completions} answers after a fixed latency
 * with a pair built from the passage (the text after "Passage:" in the user message): the question asks how the
 * passage begins, the answer is its first words, so it is grounded. On demand it misbehaves, per request in the
 * order scripted: for requests whose message contains a given text ({@link #script(String, Mode...)}) or for any
 * request ({@link #scriptAll(Mode...)}). It counts requests, answers given per passage, in-flight peaks and the
 * Authorization headers it saw.
 *
 * <p>By hand: {@code java -cp ... org.lwm.qa.bench.LocalChatServer [PORT [LATENCY_MS]]}, then
 * {@code lwm qa generate --generator openai --base-url http://127.0.0.1:PORT/v1 --model local}.
 */
public final class LocalChatServer implements AutoCloseable {
  /** What the server does with one request. */
  public enum Mode { OK, MALFORMED_JSON, NO_CONTENT, MISSING_ANSWER, UNGROUNDED, RATE_LIMITED, SERVER_ERROR, HANG, UNAUTHORIZED }

  private static final ObjectMapper JSON = new ObjectMapper();

  static {
    // the JDK server writes a response's headers and body separately; with Nagle's algorithm on, the body waits for
    // the client's delayed ACK (~40 ms per request). Real inference servers (uvicorn, llama.cpp) set TCP_NODELAY too.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private final HttpServer server;
  private final ExecutorService pool;
  private final long latencyMs;
  private volatile long hangMs = 5000;
  private volatile String retryAfter = "1";
  private final List<Map.Entry<String, Deque<Mode>>> rules = new ArrayList<>();
  private final Deque<Mode> any = new ArrayDeque<>();
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger peakInFlight = new AtomicInteger();
  private final Map<String, AtomicInteger> answered = new ConcurrentHashMap<>();
  private final List<String> authorizations = java.util.Collections.synchronizedList(new ArrayList<>());

  public LocalChatServer(int port, long latencyMs, int threads) throws IOException {
    this.latencyMs = latencyMs;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
    this.pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "local-chat-server");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(pool);
    server.createContext("/v1/chat/completions", this::handle);
    server.start();
  }

  /** A server on a free port with the given latency and 64 worker threads. */
  public static LocalChatServer start(long latencyMs) throws IOException {
    return new LocalChatServer(0, latencyMs, 64);
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  /** Requests whose message contains {@code marker} get these modes, one per request, then OK. */
  public synchronized LocalChatServer script(String marker, Mode... modes) {
    rules.add(Map.entry(marker, new ArrayDeque<>(Arrays.asList(modes))));
    return this;
  }

  /** The next requests (not matched by a marker script) get these modes, one each, then OK. */
  public synchronized LocalChatServer scriptAll(Mode... modes) {
    any.addAll(Arrays.asList(modes));
    return this;
  }

  public LocalChatServer hangMs(long ms) {
    this.hangMs = ms;
    return this;
  }

  public LocalChatServer retryAfter(String value) {
    this.retryAfter = value;
    return this;
  }

  public int requests() {
    return requests.get();
  }

  public int peakInFlight() {
    return peakInFlight.get();
  }

  /** How many valid answers the server gave for passages containing {@code text}. */
  public int answeredFor(String text) {
    int n = 0;
    for (Map.Entry<String, AtomicInteger> e : answered.entrySet()) if (e.getKey().contains(text)) n += e.getValue().get();
    return n;
  }

  /** Valid answers given per passage (passage text → count). */
  public Map<String, Integer> answered() {
    Map<String, Integer> out = new java.util.HashMap<>();
    answered.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  public List<String> authorizations() {
    return new ArrayList<>(authorizations);
  }

  private synchronized Mode next(String content) {
    for (Map.Entry<String, Deque<Mode>> r : rules) {
      if (content.contains(r.getKey()) && !r.getValue().isEmpty()) return r.getValue().poll();
    }
    return any.isEmpty() ? Mode.OK : any.poll();
  }

  private void handle(HttpExchange ex) throws IOException {
    requests.incrementAndGet();
    int now = inFlight.incrementAndGet();
    peakInFlight.accumulateAndGet(now, Math::max);
    try {
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      authorizations.add(auth == null ? "" : auth);
      JsonNode req = JSON.readTree(ex.getRequestBody().readAllBytes());
      String content = req.path("messages").path(0).path("content").asText("");
      int p = content.indexOf("Passage:");
      String passage = (p >= 0 ? content.substring(p + "Passage:".length()) : content).strip();
      Mode mode = next(content);
      sleep(latencyMs);
      switch (mode) {
        case MALFORMED_JSON -> send(ex, 200, "{\"choices\": [{\"message\": {\"content\": \"{\\\"question\\\"", null);
        case NO_CONTENT -> send(ex, 200, "{\"id\": \"x\", \"choices\": []}", null);
        case MISSING_ANSWER -> send(ex, 200, completion("{\"question\": \"What is this passage about?\"}"), null);
        case UNGROUNDED -> send(ex, 200, completion(pair("Who won the 1998 World Cup?", "France won the football world cup final in Paris")), null);
        case RATE_LIMITED -> send(ex, 429, "{\"error\": {\"message\": \"rate limit reached\", \"type\": \"requests\"}}", retryAfter);
        case SERVER_ERROR -> send(ex, 500, "{\"error\": {\"message\": \"internal server error\"}}", null);
        case UNAUTHORIZED -> send(ex, 401, "{\"error\": {\"message\": \"invalid api key\"}}", null);
        case HANG -> {
          sleep(hangMs);
          send(ex, 200, completion(okPair(passage)), null);
        }
        default -> {
          send(ex, 200, completion(okPair(passage)), null);
          answered.computeIfAbsent(passage, k -> new AtomicInteger()).incrementAndGet();
        }
      }
    } catch (IOException e) {
      // the client gave up (timeout): nothing to answer
    } finally {
      inFlight.decrementAndGet();
      ex.close();
    }
  }

  private static String okPair(String passage) {
    String[] words = passage.split("\\s+");
    String first = String.join(" ", Arrays.copyOfRange(words, 0, Math.min(8, words.length)));
    return pair("How does the passage begin?", "It begins: " + first);
  }

  private static String pair(String q, String a) {
    ObjectNode n = JSON.createObjectNode();
    n.put("question", q).put("answer", a);
    return n.toString();
  }

  private static String completion(String content) {
    ObjectNode root = JSON.createObjectNode();
    root.put("id", "chatcmpl-local").put("object", "chat.completion").put("model", "local");
    ObjectNode choice = root.putArray("choices").addObject();
    choice.put("index", 0).put("finish_reason", "stop");
    choice.putObject("message").put("role", "assistant").put("content", content);
    return root.toString();
  }

  private static void send(HttpExchange ex, int code, String body, String retryAfter) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    if (retryAfter != null) ex.getResponseHeaders().set("Retry-After", retryAfter);
    ex.sendResponseHeaders(code, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }

  public static void main(String[] args) throws Exception {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 8089;
    long latency = args.length > 1 ? Long.parseLong(args[1]) : 50;
    LocalChatServer s = new LocalChatServer(port, latency, 64);
    System.out.println("local chat-completions server on " + s.baseUrl() + " (latency " + latency + " ms); Ctrl-C to stop");
    Thread.currentThread().join();
  }
}
