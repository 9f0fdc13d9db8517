package org.lwm.trainer.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lwm.core.testing.TestSpark;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.trainer.backend.Backend;
import org.lwm.trainer.model.ModelConfig;
import org.lwm.trainer.model.Parameters;

/** The OpenAI-compatible server over HTTP: shapes, streaming equal to the whole reply, errors, a full queue. */
class OpenAiServerTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  static SentencePieceTokenizer tok;
  static Decoder decoder;
  static OpenAiServer server;

  @BeforeAll
  static void start() throws Exception {
    tok = SentencePieceTokenizer.load(TestSpark.repoRoot().resolve("samples/tokenizer.model"));
    ModelConfig c = new ModelConfig(tok.vocabSize(), 0, 32, 64, 2, 4, 2, 10000, 1e-5, 512);
    decoder = new Decoder(Parameters.init(c, 11), Backend.cpu());
    server = new OpenAiServer(decoder, tok, "tiny", "127.0.0.1", 0, new OpenAiServer.Limits(200, 4, 2, 16));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static HttpResponse<String> post(String path, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void modelsAndACompletionThatIsTheGreedyContinuation() throws Exception {
    HttpResponse<String> m = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/models")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, m.statusCode());
    assertEquals("tiny", JSON.readTree(m.body()).at("/data/0/id").asText());

    HttpResponse<String> r = post("/v1/completions", "{\"model\": \"tiny\", \"prompt\": \"In the beginning\", \"max_tokens\": 9, \"temperature\": 0}");
    assertEquals(200, r.statusCode(), r.body());
    JsonNode o = JSON.readTree(r.body());
    int[] p = tok.encode("In the beginning"), prompt = new int[p.length + 1];
    prompt[0] = tok.bosId();
    System.arraycopy(p, 0, prompt, 1, p.length);
    int[] want = new TextGenerator(decoder).greedy(prompt, 9, Set.of(tok.eosId()));
    assertEquals(tok.decode(want), o.at("/choices/0/text").asText());
    assertEquals("text_completion", o.get("object").asText());
    assertEquals(prompt.length, o.at("/usage/prompt_tokens").asInt());
    assertEquals(want.length, o.at("/usage/completion_tokens").asInt());
    assertEquals(want.length == 9 ? "length" : "stop", o.at("/choices/0/finish_reason").asText());
  }

  @Test
  void aStreamedChatReplyIsTheWholeReplyInPieces() throws Exception {
    String req = "{\"model\": \"tiny\", \"messages\": [{\"role\": \"user\", \"content\": \"Who begat Jacob?\"}], \"max_tokens\": 24,"
        + " \"temperature\": 0%s}";
    HttpResponse<String> whole = post("/v1/chat/completions", String.format(req, ""));
    assertEquals(200, whole.statusCode(), whole.body());
    JsonNode o = JSON.readTree(whole.body());
    assertEquals("assistant", o.at("/choices/0/message/role").asText());
    String content = o.at("/choices/0/message/content").asText();
    HttpResponse<String> streamed = post("/v1/chat/completions", String.format(req, ", \"stream\": true"));
    assertEquals(200, streamed.statusCode());
    assertEquals("text/event-stream", streamed.headers().firstValue("Content-Type").orElse(""));
    StringBuilder pieces = new StringBuilder();
    List<String> lines = new ArrayList<>();
    for (String line : streamed.body().split("\n")) if (line.startsWith("data: ")) lines.add(line.substring(6));
    assertEquals("[DONE]", lines.get(lines.size() - 1));
    String finish = null;
    for (String l : lines.subList(0, lines.size() - 1)) {
      JsonNode c = JSON.readTree(l);
      assertEquals("chat.completion.chunk", c.get("object").asText());
      pieces.append(c.at("/choices/0/delta/content").asText(""));
      if (!c.at("/choices/0/finish_reason").isNull()) finish = c.at("/choices/0/finish_reason").asText();
    }
    assertTrue(lines.size() > 3, "several chunks: " + lines);
    assertEquals(content, pieces.toString());
    assertEquals(o.at("/choices/0/finish_reason").asText(), finish);
  }

  @Test
  void badRequestsGetOpenAisErrorObjectWithA4xx() throws Exception {
    assertError(post("/v1/chat/completions", "{not json"), 400, "not valid JSON");
    assertError(post("/v1/chat/completions", "{\"messages\": []}"), 400, "'messages'");
    assertError(post("/v1/chat/completions", "{\"messages\": [{\"role\": \"assistant\", \"content\": \"hi\"}]}"), 400, "last message");
    assertError(post("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 5000}"), 400, "max_tokens 5000");
    assertError(post("/v1/completions", "{\"prompt\": \"x\", \"temperature\": -1}"), 400, "temperature");
    assertError(post("/v1/nope", "{}"), 404, "no route");
    assertError(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/completions")).build(),
        HttpResponse.BodyHandlers.ofString()), 405, "use POST");
  }

  @Test
  void aFullQueueAnswers429WithRetryAfterWhileTheOthersFinish() throws Exception {
    // batch 4 + queue 2: of 16 concurrent long requests some must be refused, and every accepted one completes
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      calls.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/completions"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"And God said\", \"max_tokens\": 150, \"temperature\": 0.8, \"seed\": " + i + "}"))
          .build(), HttpResponse.BodyHandlers.ofString()));
    }
    int ok = 0, refused = 0;
    for (CompletableFuture<HttpResponse<String>> c : calls) {
      HttpResponse<String> r = c.get();
      if (r.statusCode() == 200) ok++;
      else {
        assertError(r, 429, "queue is full");
        assertEquals("1", r.headers().firstValue("Retry-After").orElse(null));
        refused++;
      }
    }
    assertTrue(refused > 0 && ok >= 4, ok + " served, " + refused + " refused");
  }

  static void assertError(HttpResponse<String> r, int status, String text) throws Exception {
    assertEquals(status, r.statusCode(), r.body());
    JsonNode e = JSON.readTree(r.body()).get("error");
    assertTrue(e != null && e.get("message").asText().contains(text), r.body());
  }
}
