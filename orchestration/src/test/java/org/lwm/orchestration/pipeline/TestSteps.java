package org.lwm.orchestration.pipeline;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.step.ConfigKey;
import org.lwm.core.step.Step;

/**
 * Steps for tests of the pipeline's checks and renderings, which never run a job: each declares only what the
 * validator reads (name, tables, keys). The catalog mirrors the shape of the real jobs' tables.
 */
public final class TestSteps {
  private TestSteps() {}

  public record Declared(String name, List<String> reads, List<String> requires, List<String> writes, List<ConfigKey> keys) implements Step {
    /** A step that requires every table it reads. */
    public Declared(String name, List<String> reads, List<String> writes, List<ConfigKey> keys) {
      this(name, reads, reads, writes, keys);
    }

    @Override
    public String description() {
      return "test step " + name;
    }

    @Override
    public JobCounts run(SparkSession spark, Lake lake, Config config) {
      throw new UnsupportedOperationException("a declared-only test step does not run");
    }
  }

  public static Map<String, Step> catalog() {
    Map<String, Step> c = new TreeMap<>();
    add(c, new Declared("ingest books", List.of(), List.of("books", "rejects"),
        List.of(ConfigKey.of("ingest.input", "books to read"), ConfigKey.of("ingest.min_chars", "200", "shortest book kept"))));
    add(c, new Declared("ingest tokenize", List.of("books"), List.of("book_tokens"), List.of(ConfigKey.of("tokenizer", "SentencePiece model"))));
    add(c, new Declared("qa chunk", List.of("book_tokens"), List.of("chunks"),
        List.of(ConfigKey.of("tokenizer", "SentencePiece model"), ConfigKey.of("qa.chunk_tokens", "1000", "tokens per chunk"))));
    add(c, new Declared("qa generate", List.of("chunks", "qa_pairs"), List.of("qa_pairs", "rejects"),
        List.of(ConfigKey.of("qa.generator", "extractive", "generator"), ConfigKey.of("qa.openai.*", "the OpenAI-compatible endpoint"))));
    add(c, new Declared("pack examples", List.of("book_tokens", "long_qa", "chat"), List.of(), List.of("examples"), List.of()));
    add(c, new Declared("pack run", List.of("examples"), List.of("packed"),
        List.of(ConfigKey.of("pack.stages.*", "per-stage settings"), ConfigKey.of("pack.window", "4096", "best-fit window"))));
    add(c, new Declared("train", List.of("packed"), List.of(), List.of(ConfigKey.of("train.*", "trainer settings"))));
    return c;
  }

  private static void add(Map<String, Step> c, Step s) {
    c.put(s.name(), s);
  }
}
