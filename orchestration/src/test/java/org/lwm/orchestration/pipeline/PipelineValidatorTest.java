package org.lwm.orchestration.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.core.cli.UserError;

class PipelineValidatorTest {
  @TempDir Path dir;

  Pipeline load(String steps) throws Exception {
    return load("", steps);
  }

  Pipeline load(String top, String steps) throws Exception {
    Path f = dir.resolve("p.yaml");
    Files.writeString(f, "name: p\nlake: /tmp/lake\n" + top + "steps:\n" + steps);
    return PipelineFile.load(f, Map.of(), "2026-01-01", null);
  }

  static String error(Pipeline p, Predicate<String> lake) {
    UserError e = assertThrows(UserError.class, () -> PipelineValidator.validate(p, TestSteps.catalog(), lake));
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    return e.getMessage();
  }

  static final Predicate<String> EMPTY = t -> false;

  @Test
  void aWellFormedPipelinePasses() throws Exception {
    Pipeline p = load("config: {tokenizer: t.model, qa.chunk_tokens: 1000, s3.endpoint: http://x, airflow.jar: j.jar, spark.executor.memory: 1g}\n", """
          - {id: books, job: ingest books, config: {ingest.min_chars: 10, lake: /tmp/other, spark.x: y, s3.region: eu}}
          - {id: tokens, job: ingest tokenize, after: [books]}
          - {id: chunks, job: qa chunk, after: [tokens]}
          - {id: qa, job: qa generate, after: [chunks], config: {qa.openai.model: m}}
        """);
    PipelineValidator.validate(p, TestSteps.catalog(), EMPTY);
    assertEquals(List.of(), PipelineValidator.externalInputs(p, TestSteps.catalog()));
  }

  @Test
  void unknownJobListsTheKnown() throws Exception {
    String m = error(load("  - {id: b, job: ingest bookz}\n"), EMPTY);
    assertTrue(m.startsWith("step 'b': unknown job 'ingest bookz' (jobs: ingest books, ingest tokenize, pack examples, pack run, qa chunk, qa generate, train)"), m);
  }

  @Test
  void unknownConfigKeysAreRefusedPerStepAndPipeline() throws Exception {
    String m = error(load("  - {id: b, job: ingest books, config: {qa.chunk_tokens: 5}}\n"), EMPTY);
    assertTrue(m.startsWith("step 'b': job 'ingest books' takes no config key 'qa.chunk_tokens' (its keys: ingest.input, ingest.min_chars"), m);
    String fam = error(load("  - {id: q, job: ingest books}\n  - {id: g, job: qa generate, after: [q], config: {qa.openaix: 1}}\n"), t -> true);
    assertTrue(fam.contains("'qa.openaix'"), fam);
    String top = error(load("config: {pack.window: 10}\n", "  - {id: b, job: ingest books}\n"), EMPTY);
    assertTrue(top.contains("config key 'pack.window' is taken by no step's job"), top);
  }

  @Test
  void structureErrorsNameTheStep() throws Exception {
    assertTrue(error(load("  - {id: b, job: ingest books}\n  - {id: b, job: ingest books}\n"), EMPTY).contains("two steps have the id 'b'"));
    assertTrue(error(load("  - {id: b, job: ingest books, after: [nothing]}\n"), EMPTY).startsWith("step 'b': after names no step 'nothing'"));
    String cycle = error(load("  - {id: a, job: ingest books, after: [b]}\n  - {id: b, job: ingest tokenize, after: [a]}\n"), EMPTY);
    assertTrue(cycle.endsWith("cycle: a -> b -> a"), cycle);
  }

  @Test
  void aTableReadMustBeWrittenByAnAncestorOrBeInTheLake() throws Exception {
    Pipeline p = load("  - {id: chunks, job: qa chunk}\n");
    String m = error(p, EMPTY);
    assertTrue(m.startsWith("step 'chunks' (qa chunk) reads table book_tokens, which no step before it writes and the lake file:///tmp/lake does not have"), m);
    PipelineValidator.validate(p, TestSteps.catalog(), Set.of("book_tokens")::contains);
    assertEquals(List.of("book_tokens"), PipelineValidator.externalInputs(p, TestSteps.catalog()));

    // transitively through after: chunks runs after tokens, which runs after books
    Pipeline chain = load("  - {id: books, job: ingest books}\n  - {id: tokens, job: ingest tokenize, after: [books]}\n  - {id: chunks, job: qa chunk, after: [tokens]}\n");
    PipelineValidator.validate(chain, TestSteps.catalog(), EMPTY);
    // a step that only extends its own table (qa generate reads qa_pairs) needs no writer of it
    Pipeline own = load("  - {id: qa, job: qa generate}\n");
    PipelineValidator.validate(own, TestSteps.catalog(), Set.of("chunks")::contains);
    // tables a step reads only when present (pack examples: every source optional) need neither
    Pipeline optional = load("  - {id: examples, job: pack examples}\n");
    PipelineValidator.validate(optional, TestSteps.catalog(), EMPTY);
    assertEquals(List.of(), PipelineValidator.externalInputs(optional, TestSteps.catalog()));
  }

  @Test
  void aTableAnotherStepWritesIsReadOnlyAfterIt() throws Exception {
    // tokens is not after books: it could read books before (or while) books rewrites it, even when the lake has it
    Pipeline p = load("  - {id: tokens, job: ingest tokenize}\n  - {id: books, job: ingest books}\n");
    String m = error(p, t -> true);
    assertTrue(m.equals("step 'tokens' reads table books, which step 'books' writes, but does not run after it: add 'books' to its after"), m);
    // an optional input too: pack examples would otherwise pack whatever book_tokens held before
    String opt = error(load("  - {id: examples, job: pack examples}\n  - {id: books, job: ingest books}\n  - {id: tokens, job: ingest tokenize, after: [books]}\n"), EMPTY);
    assertTrue(opt.startsWith("step 'examples' reads table book_tokens, which step 'tokens' writes"), opt);
  }
}
