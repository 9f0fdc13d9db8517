package org.lwm.packing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.lwm.core.testing.TestSpark;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.packing.format.ExampleFormatter;
import org.lwm.packing.format.FormatFile;
import org.lwm.packing.format.FormatOptions;

/**
 * The formatter against an independent re-implementation of LWM's TextProcessor / VisionTextProcessor in Python
 * (src/test/resources/lwm_processors_reference.py, Debian's sentencepiece and numpy), token for token, on
 * randomized text and vision records, in default and --lwm-compat mode, with and without frame sub-sampling.
 */
class FormatterReferenceTest {
  static final String[] WORDS = {"In", "the", "beginning", "God", "created", "heaven", "and", "earth.", "Él", "dijo:", "«luz»",
      "naïve", "  spaced  ", "x+y", "ASSISTANT:", "USER:", "日本", "emoji 🙂", "\t", "end.\n", "Question?", "<vision>", "0123"};
  static final String[] SPECS = {"text", "[question],answer", "[p0],a0,[p1],a1", "<|bos|>,text,<|eos|>", "[a+b],c",
      "[question+context],answer", "title+text", "[<|bos|>],text", "a0,[p0]"};
  static final String[] VISION_SPECS = {"[caption],vision", "[vision],caption", "[vision],[question],answer",
      "caption,vision,<|eos|>", "[vision_a],[caption],vision_b", "[instruction+caption],vision"};

  static Path model;
  static SentencePieceTokenizer tokenizer;

  @BeforeAll
  static void load() {
    model = TestSpark.repoRoot().resolve("samples/tokenizer.model");
    tokenizer = SentencePieceTokenizer.load(model);
  }

  @ParameterizedTest(name = "compat={0} max_n_frames={1} prepend=''{2}''")
  @CsvSource({"false,-1,''", "true,-1,''", "false,3,''", "true,4,''", "true,1,'Read: '", "false,5,'Q '"})
  void agreesWithLwmReference(boolean compat, int maxFrames, String prepend, @TempDir Path dir) throws Exception {
    Path input = dir.resolve("records.jsonl");
    writeRecords(input, new Random(7 + maxFrames + (compat ? 100 : 0)), 60);
    Path ours = dir.resolve("ours.jsonl");
    FormatOptions opts = FormatOptions.defaults().withLwmCompat(compat).withMaxFrames(maxFrames).withPrependText(prepend);
    ExampleFormatter f = new ExampleFormatter(tokenizer, opts);
    try (BufferedReader in = Files.newBufferedReader(input); Writer out = Files.newBufferedWriter(ours)) {
      assertEquals(120, FormatFile.run(f, null, in, out, "records.jsonl"));
    }
    Path ref = dir.resolve("reference.jsonl");
    List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3",
        TestSpark.repoRoot().resolve("sequence-packing/src/test/resources/lwm_processors_reference.py").toString(),
        model.toString(), input.toString(), ref.toString(), "--max-n-frames", String.valueOf(maxFrames), "--prepend", prepend));
    if (compat) cmd.add("--compat");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "reference timed out");
    assertEquals(0, p.exitValue(), "the Python reference failed (needs Debian's python3-sentencepiece and python3-numpy; ./dev/test installs them):\n" + log);

    ObjectMapper json = new ObjectMapper();
    List<String> a = Files.readAllLines(ours), b = Files.readAllLines(ref);
    assertEquals(b.size(), a.size());
    int visionLines = 0, bosInside = 0;
    for (int i = 0; i < a.size(); i++) {
      var x = json.readTree(a.get(i));
      var y = json.readTree(b.get(i));
      assertEquals(y.get("tokens"), x.get("tokens"), "tokens of line " + (i + 1));
      assertEquals(y.get("vision_mask"), x.get("vision_mask"), "vision_mask of line " + (i + 1));
      assertEquals(y.get("loss_mask").size(), x.get("loss_mask").size());
      for (int k = 0; k < x.get("loss_mask").size(); k++) {
        assertEquals(y.get("loss_mask").get(k).doubleValue(), x.get("loss_mask").get(k).doubleValue(), "loss_mask of line " + (i + 1));
      }
      for (var v : x.get("vision_mask")) if (v.asBoolean()) { visionLines++; break; }
      for (int k = 1; k < x.get("tokens").size(); k++) if (x.get("tokens").get(k).asInt() == 1) { bosInside++; break; }
    }
    assertEquals(60, visionLines, "every vision record has a vision span");
    assertTrue(compat ? bosInside == a.size() : bosInside < a.size(), "compat puts a BOS inside every example, default only where <|bos|> asks");
  }

  /** {@code n} text records and {@code n} vision records, interleaved, with random specs and texts. */
  static void writeRecords(Path file, Random r, int n) throws IOException {
    ObjectMapper json = new ObjectMapper();
    try (Writer w = Files.newBufferedWriter(file)) {
      for (int i = 0; i < n; i++) {
        ObjectNode t = json.createObjectNode();
        String spec = SPECS[r.nextInt(SPECS.length)];
        t.put("fields", spec);
        for (String key : keys(spec)) t.put(key, sentence(r));
        w.write(json.writeValueAsString(t) + "\n");

        ObjectNode v = json.createObjectNode();
        String vspec = VISION_SPECS[r.nextInt(VISION_SPECS.length)];
        List<String> specKeys = new ArrayList<>(keys(vspec));
        if (r.nextInt(3) == 0) {
          // several specs: LWM picks one per line with random.Random(line index)
          ArrayNode list = v.putArray("fields");
          list.add(vspec);
          for (int k = 1 + r.nextInt(3); k > 0; k--) {
            String other = VISION_SPECS[r.nextInt(VISION_SPECS.length)];
            list.add(other);
            for (String key : keys(other)) if (!specKeys.contains(key)) specKeys.add(key);
          }
        } else {
          v.put("fields", vspec);
        }
        for (String key : specKeys) {
          if (key.contains("vision")) {
            ArrayNode codes = v.putArray(key);
            int frames = 1 + r.nextInt(11);
            for (int k = 0; k < frames * 256; k++) codes.add(r.nextInt(8192));
          } else {
            v.put(key, sentence(r));
          }
        }
        w.write(json.writeValueAsString(v) + "\n");
      }
    }
  }

  static List<String> keys(String spec) {
    List<String> keys = new ArrayList<>();
    for (String f : spec.split(",")) {
      String name = f.startsWith("[") ? f.substring(1, f.length() - 1) : f;
      if (name.startsWith("<|")) continue;
      if (name.contains("vision")) keys.add(name);
      else for (String s : name.split("\\+")) keys.add(s);
    }
    return keys;
  }

  static String sentence(Random r) {
    int n = r.nextInt(12);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      if (i > 0) sb.append(' ');
      sb.append(WORDS[r.nextInt(WORDS.length)]);
    }
    return sb.toString();
  }
}
