package org.lwm.qa.generate;

import static org.apache.spark.sql.functions.col;

import io.delta.tables.DeltaTable;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.step.ConfigKey;
import org.lwm.core.step.SourceFiles;
import org.lwm.core.step.Step;
import org.lwm.core.step.StepExecution;
import org.lwm.qa.chunk.ChunkJob;

/**
 * {@code qa_pairs}: one question/answer pair per chunk from the configured {@link QaGenerator}, keyed by
 * (book_id, chunk_index, generator, prompt_hash). Resumable: a run asks only for chunks without an ok pair under
 * that key (new and previously failed ones), in batches of {@code qa.generate.batch_chunks} chunks, each MERGEd in
 * its own Delta commit; within a batch every finished request is journalled at once (see {@link Journal}), and
 * the next run folds the journal in first, so a killed run loses no answer and repeats no finished request.
 * A chunk that still fails after the generator's retries is written with {@code status = failed} and the error.
 */
public final class GenerateJob implements Step {
  public static final String JOB = "qa-generate";
  /** Which generator: extractive (the default) or openai. */
  public static final String GENERATOR = "qa.generator";
  public static final StructType SCHEMA = new StructType()
      .add("book_id", DataTypes.StringType, false)
      .add("chunk_index", DataTypes.IntegerType, false)
      .add("generator", DataTypes.StringType, false)
      .add("prompt_hash", DataTypes.StringType, false)
      .add("model", DataTypes.StringType, true)
      .add("question", DataTypes.StringType, true)
      .add("answer", DataTypes.StringType, true)
      .add("status", DataTypes.StringType, false)
      .add("error", DataTypes.StringType, true)
      .add("attempts", DataTypes.IntegerType, false)
      .add("generated_at", DataTypes.TimestampType, false);
  private static final String KEY = "t.book_id = s.book_id AND t.chunk_index = s.chunk_index AND t.generator = s.generator AND t.prompt_hash = s.prompt_hash";

  /** Requests in flight per executor JVM, shared by its tasks: the bound is per executor, not per task. */
  private static final Map<Integer, Semaphore> IN_FLIGHT = new ConcurrentHashMap<>();

  /** Null: the step makes the generator config {@code qa.generator} names; else the one a caller already holds. */
  private final QaGenerator preloaded;

  public GenerateJob() {
    this(null);
  }

  private GenerateJob(QaGenerator preloaded) {
    this.preloaded = preloaded;
  }

  @Override
  public String name() {
    return "qa generate";
  }

  @Override
  public String description() {
    return "one question/answer pair per chunk into 'qa_pairs' (extractive or any OpenAI-compatible endpoint), resumable";
  }

  /** Not qa_pairs, although the job reads it to resume: its own output must not make it out of date. */
  @Override
  public List<String> reads() {
    return List.of(Tables.CHUNKS);
  }

  @Override
  public List<String> writes() {
    return List.of(Tables.QA_PAIRS);
  }

  @Override
  public List<ConfigKey> keys() {
    return keys(true);
  }

  /** The keys that choose the generator and its prompt hash (also {@code qa assemble}'s, which selects pairs by them). */
  public static List<ConfigKey> keys(boolean withBatch) {
    List<ConfigKey> k = new ArrayList<>(List.of(
        ConfigKey.of(GENERATOR, ExtractiveGenerator.NAME, "extractive (offline, deterministic) or openai (an OpenAI-compatible endpoint)"),
        ConfigKey.of("qa.extractive.seed", "0", "extractive: the seed of its choices"),
        ConfigKey.of("qa.openai.*", "openai: base_url, model, api_key_env (the NAME of the key's variable), concurrency, timeout_s, "
            + "max_attempts, backoff_s, max_backoff_s, max_retry_after_s, temperature, max_tokens, json_mode, prompt, prompt_file"),
        ConfigKey.of("qa.validate.*", "openai: max_question_chars (500), max_answer_chars (1500), min_grounding (0.5)")));
    if (withBatch) k.add(ConfigKey.of("qa.generate.batch_chunks", "512", "chunks per Delta commit"));
    return k;
  }

  /** A prompt file enters the fingerprint: another prompt asks again. */
  @Override
  public String sourceVersion(SparkSession spark, Config config) {
    return SourceFiles.version(spark, config.has("qa.openai.prompt_file") ? List.of(config.get("qa.openai.prompt_file", null)) : List.of());
  }

  @Override
  public JobCounts run(SparkSession spark, Lake lake, Config config) {
    return generate(spark, lake, preloaded != null ? preloaded : generator(spark, lake, config.get(GENERATOR, ExtractiveGenerator.NAME), config), config);
  }

  /** The generator a config names, with the chunk size recorded on {@code chunks} (part of the prompt hash). */
  public static QaGenerator generator(SparkSession spark, Lake lake, String name, Config config) {
    lake.read(spark, Tables.CHUNKS); // a missing table is named in one line
    String size = lake.properties(spark, Tables.CHUNKS).get(ChunkJob.CHUNK_TOKENS_PROPERTY);
    return QaGenerators.create(name, config, size == null ? 0 : Integer.parseInt(size));
  }

  /** The step with its provenance, with the generator {@code generatorName}. */
  public static JobCounts run(SparkSession spark, Lake lake, String generatorName, Config config) {
    return StepExecution.run(new GenerateJob(), spark, lake, config.with(GENERATOR, generatorName));
  }

  /** The step with its provenance and a generator the caller made (the demo; a test's own generator). */
  public static JobCounts run(SparkSession spark, Lake lake, QaGenerator gen, Config config) {
    return StepExecution.run(new GenerateJob(gen), spark, lake, config.with(GENERATOR, gen.name()));
  }

  private static JobCounts generate(SparkSession spark, Lake lake, QaGenerator gen, Config config) {
    JobCounts counts = new JobCounts(JOB);
    int batchChunks = config.getInt("qa.generate.batch_chunks", 512);
    if (batchChunks < 1) throw new UserError("qa.generate.batch_chunks = " + batchChunks + ": use 1 or more chunks per commit");
    Dataset<Row> chunks = lake.read(spark, Tables.CHUNKS);
    Journal journal = new Journal(lake, spark.sparkContext().hadoopConfiguration());
    counts.put("chunks", chunks.count());
    counts.put("recovered", recover(spark, lake, journal));

    Dataset<Row> todo = chunks.select("book_id", "chunk_index", "text");
    if (lake.exists(spark, Tables.QA_PAIRS)) {
      Dataset<Row> done = lake.read(spark, Tables.QA_PAIRS)
          .filter(col("generator").equalTo(gen.name()).and(col("prompt_hash").equalTo(gen.promptHash())).and(col("status").equalTo(QaResult.OK)))
          .select(col("book_id").as("d_book"), col("chunk_index").as("d_chunk"));
      todo = todo.join(done, col("book_id").equalTo(col("d_book")).and(col("chunk_index").equalTo(col("d_chunk"))), "left_anti");
    }
    long n = todo.count();
    counts.put("already_done", counts.get("chunks") - n);
    counts.put("requested", n);
    int batches = (int) Math.max(1, (n + batchChunks - 1) / batchChunks);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int parts = Math.max(1, jsc.defaultParallelism());
    String runId = UUID.randomUUID().toString().substring(0, 8);
    long ok = 0;
    long failed = 0;
    long attempts = 0;
    for (int b = 0; b < batches && n > 0; b++) {
      Dataset<Row> batch = batches == 1 ? todo : todo.filter(functions.pmod(functions.xxhash64(col("book_id"), col("chunk_index")), functions.lit(batches)).equalTo(b));
      String prefix = runId + "-b" + b;
      JavaRDD<Row> results = batch.repartition(parts).javaRDD().mapPartitionsWithIndex((part, it) -> {
        List<Row> in = new ArrayList<>();
        it.forEachRemaining(in::add);
        return generatePartition(gen, journal, prefix + "-p" + part + "-" + UUID.randomUUID().toString().substring(0, 8), in).iterator();
      }, false);
      // collected, not re-read: MERGE scans its source more than once, and a source that calls a model must run once
      List<Row> rows = results.collect();
      List<org.apache.hadoop.fs.Path> written = journal.files();
      merge(spark, lake, spark.createDataFrame(rows, SCHEMA));
      journal.delete(written);
      long bOk = rows.stream().filter(r -> QaResult.OK.equals(r.getString(7))).count();
      ok += bOk;
      failed += rows.size() - bOk;
      for (Row r : rows) attempts += r.getInt(9);
      System.err.printf("qa generate: batch %d/%d: %d ok, %d failed%n", b + 1, batches, bOk, rows.size() - bOk);
      refuseBadEndpoint(gen, rows, bOk);
    }
    counts.put("ok", ok).put("failed", failed).put("attempts", attempts);
    if (!lake.exists(spark, Tables.QA_PAIRS)) lake.append(spark.createDataFrame(List.of(), SCHEMA), Tables.QA_PAIRS); // no chunk at all
    Row total = lake.read(spark, Tables.QA_PAIRS).filter(col("generator").equalTo(gen.name()).and(col("prompt_hash").equalTo(gen.promptHash())))
        .agg(functions.count("*"), functions.sum(functions.expr("CASE WHEN status = 'ok' THEN 1 ELSE 0 END"))).first();
    counts.put("pairs_total", total.getLong(0)).put("pairs_ok_total", total.isNullAt(1) ? 0 : total.getLong(1));
    counts.put("generator", gen.name()).put("prompt_hash", gen.promptHash());
    return counts;
  }

  /** Runs one task's chunks on up to {@code gen.concurrency()} threads, journalling each result as it finishes. */
  public static List<Row> generatePartition(QaGenerator gen, Journal journal, String fileName, List<Row> in) throws Exception {
    List<Row> out = new ArrayList<>(in.size());
    if (in.isEmpty()) return out;
    Semaphore slots = IN_FLIGHT.computeIfAbsent(gen.concurrency(), Semaphore::new);
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(gen.concurrency(), in.size()), r -> {
      Thread t = new Thread(r, "qa-generate");
      t.setDaemon(true);
      return t;
    });
    try (Journal.Writer w = journal.open(fileName)) {
      List<Future<Row>> futures = new ArrayList<>(in.size());
      for (Row r : in) {
        futures.add(pool.submit(() -> {
          String bookId = r.getString(0);
          int chunkIndex = r.getInt(1);
          QaResult res;
          slots.acquire();
          try {
            res = gen.generate(bookId, chunkIndex, r.getString(2));
          } finally {
            slots.release();
          }
          long at = System.currentTimeMillis();
          w.append(bookId, chunkIndex, gen.name(), gen.promptHash(), gen.model(), res, at);
          return RowFactory.create(bookId, chunkIndex, gen.name(), gen.promptHash(), gen.model(), res.question(), res.answer(), res.status(),
              res.error(), res.attempts(), new Timestamp(at));
        }));
      }
      for (Future<Row> f : futures) out.add(f.get());
    } finally {
      pool.shutdownNow();
    }
    return out;
  }

  /** Folds a killed run's journal into qa_pairs; returns how many results it held. */
  static long recover(SparkSession spark, Lake lake, Journal journal) {
    List<org.apache.hadoop.fs.Path> files = journal.files();
    if (files.isEmpty()) return 0;
    List<Row> rows = journal.read(spark, files).collectAsList();
    if (!rows.isEmpty()) merge(spark, lake, spark.createDataFrame(rows, SCHEMA));
    journal.delete(files);
    System.err.printf("qa generate: recovered %d results from the journal of an interrupted run%n", rows.size());
    return rows.size();
  }

  /** New keys are inserted; an existing failed pair is replaced; an existing ok pair is kept. */
  static void merge(SparkSession spark, Lake lake, Dataset<Row> rows) {
    if (!lake.exists(spark, Tables.QA_PAIRS)) {
      lake.append(rows.dropDuplicates("book_id", "chunk_index", "generator", "prompt_hash"), Tables.QA_PAIRS);
      return;
    }
    DeltaTable.forPath(spark, lake.table(Tables.QA_PAIRS)).as("t").merge(rows.as("s"), KEY)
        .whenMatched("t.status <> 'ok'").updateAll()
        .whenNotMatched().insertAll()
        .execute();
  }

  /** Every request of a batch refused with 401/403/404 means a wrong key, URL or model: stop instead of failing every chunk. */
  private static void refuseBadEndpoint(QaGenerator gen, List<Row> rows, long ok) {
    if (ok > 0 || rows.isEmpty()) return;
    String first = rows.get(0).getString(8);
    boolean allRefused = rows.stream().allMatch(r -> r.getString(8) != null && r.getString(8).matches("HTTP (401|403|404) .*"));
    if (allRefused) {
      throw new UserError("the " + gen.name() + " endpoint refused every request of the batch (" + first
          + "): check qa.openai.base_url, qa.openai.model and the API key variable (qa.openai.api_key_env); the failures are recorded in qa_pairs");
    }
  }
}
