package org.lwm.qa.assemble;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.spark.CatalystRows;
import org.lwm.core.spark.Tallies;
import org.lwm.core.records.ChatTemplate;
import org.lwm.core.step.ConfigKey;
import org.lwm.core.step.Step;
import org.lwm.core.step.StepExecution;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.core.tokenizer.TokenizerFiles;
import org.lwm.qa.generate.ExtractiveGenerator;
import org.lwm.qa.generate.GenerateJob;
import org.lwm.qa.generate.QaGenerator;
import org.lwm.qa.generate.QaResult;

/**
 * {@code long_qa}: {@code chunks} + the ok pairs of one generator and prompt hash in {@code qa_pairs}, assembled by
 * {@link LongQaAssembler} per book and target length. Rows carry DESIGN §3's columns plus {@code fields} and
 * {@code parts} (see {@link ChatTemplate}) so the packer formats them without knowing where they came from. The
 * table is rebuilt on every run (idempotent) with the lengths, generator and prompt hash in its counts (the step
 * execution records the tokenizer, which must be the one that made {@code chunks}).
 */
public final class AssembleJob implements Step {
  public static final String JOB = "qa-assemble";
  /** Target lengths in tokens, e.g. {@code 32768,131072} or {@code 32K,128K,1M}: {@code --lengths}. */
  public static final String LENGTHS = "qa.assemble.lengths";
  static final StructType TURN = new StructType().add("question", DataTypes.StringType, false).add("answer", DataTypes.StringType, false);
  public static final StructType SCHEMA = new StructType()
      .add("example_id", DataTypes.StringType, false)
      .add("target_length", DataTypes.IntegerType, false)
      .add("book_id", DataTypes.StringType, false)
      .add("chunk_start", DataTypes.IntegerType, false)
      .add("chunk_end", DataTypes.IntegerType, false)
      .add("context", DataTypes.StringType, false)
      .add("turns", DataTypes.createArrayType(TURN, false), false)
      .add("n_tokens", DataTypes.IntegerType, false)
      .add("fields", DataTypes.StringType, false)
      .add("parts", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType, false), false);

  /** Both null: the step loads config {@code tokenizer} and makes the generator config names; else a caller's own. */
  private final SentencePieceTokenizer preloadedTokenizer;
  private final QaGenerator preloadedGenerator;

  public AssembleJob() {
    this(null, null);
  }

  private AssembleJob(SentencePieceTokenizer tokenizer, QaGenerator generator) {
    this.preloadedTokenizer = tokenizer;
    this.preloadedGenerator = generator;
  }

  @Override
  public String name() {
    return "qa assemble";
  }

  @Override
  public String description() {
    return "long-context QA chats into 'long_qa': windows of adjacent chunks and their pairs per book and target length";
  }

  @Override
  public List<String> reads() {
    return List.of(Tables.CHUNKS, Tables.QA_PAIRS);
  }

  @Override
  public List<String> writes() {
    return List.of(Tables.LONG_QA);
  }

  @Override
  public List<ConfigKey> keys() {
    List<ConfigKey> k = new ArrayList<>(List.of(
        ConfigKey.of(StepExecution.TOKENIZER_KEY, "the tokenizer.model that tokenized the books (path or URI)"),
        ConfigKey.of(LENGTHS, "target lengths in tokens, e.g. 32768,131072 or 32K,128K,1M"),
        ConfigKey.of("qa.assemble.max_turns", "0", "QA turns per example at most (0: every pair of the window)"),
        ConfigKey.of("qa.assemble.order", "shuffle", "order of the turns: shuffle (seeded) or document (the chunks' order)"),
        ConfigKey.of("qa.assemble.seed", "0", "seed of the shuffle"),
        ConfigKey.of("qa.assemble.min_fill", "0.5", "a book's tail window shorter than this share of the length is dropped")));
    k.addAll(GenerateJob.keys(false)); // whose pairs: the generator and its prompt hash
    return k;
  }

  @Override
  public JobCounts run(SparkSession spark, Lake lake, Config config) {
    String spec = config.get(LENGTHS, null);
    if (spec == null || spec.isBlank()) throw new UserError("qa assemble: no target length: pass --lengths, e.g. --lengths 32768,131072 (config " + LENGTHS + ")");
    SentencePieceTokenizer tokenizer = preloadedTokenizer != null ? preloadedTokenizer
        : TokenizerFiles.load(spark, config.get(StepExecution.TOKENIZER_KEY, null));
    QaGenerator gen = preloadedGenerator;
    if (gen == null) {
      // the prompt hash that selects the pairs does not depend on the endpoint: assembling needs no URL
      Config c = config.has("qa.openai.base_url") ? config : config.with("qa.openai.base_url", "http://unused.invalid/v1");
      gen = GenerateJob.generator(spark, lake, c.get(GenerateJob.GENERATOR, ExtractiveGenerator.NAME), c);
    }
    return assemble(spark, lake, tokenizer, parseLengths(spec), gen, config);
  }

  /** The step with its provenance: the pairs of the generator config {@code qa.generator} names (extractive by default). */
  public static JobCounts run(SparkSession spark, Lake lake, String tokenizerUri, List<Integer> lengths, Config config) {
    return StepExecution.run(new AssembleJob(), spark, lake, config.with(StepExecution.TOKENIZER_KEY, tokenizerUri).with(LENGTHS, lengthsText(lengths)));
  }

  static String lengthsText(List<Integer> lengths) {
    return lengths.toString().replaceAll("[\\[\\] ]", "");
  }

  public static LongQaAssembler.Settings settings(Config config, QaGenerator gen) {
    String order = config.get("qa.assemble.order", "shuffle");
    if (!order.equals("shuffle") && !order.equals("document")) {
      throw new UserError("qa.assemble.order = " + order + ": use shuffle (seeded) or document (the chunks' order)");
    }
    double minFill = config.getDouble("qa.assemble.min_fill", 0.5);
    if (minFill < 0 || minFill > 1) throw new UserError("qa.assemble.min_fill = " + minFill + ": use a share of the target length in [0, 1]");
    return new LongQaAssembler.Settings(config.getInt("qa.assemble.max_turns", 0), order.equals("shuffle"), config.getLong("qa.assemble.seed", 0),
        minFill, gen.name(), gen.promptHash());
  }

  private static JobCounts assemble(SparkSession spark, Lake lake, SentencePieceTokenizer tokenizer, List<Integer> lengths, QaGenerator gen, Config config) {
    if (lengths.isEmpty()) throw new UserError("no target length given: pass --lengths, e.g. --lengths 32768,131072");
    for (int t : lengths) if (t < 64) throw new UserError("target length " + t + " is too short for a chat example: use 64 tokens or more");
    JobCounts counts = new JobCounts(JOB);
    LongQaAssembler.Settings settings = settings(config, gen);
    Dataset<Row> chunks = lake.read(spark, Tables.CHUNKS);
    if (!lake.exists(spark, Tables.QA_PAIRS)) throw new UserError("qa_pairs does not exist in " + lake + ": run lwm qa generate first");
    Dataset<Row> pairs = lake.read(spark, Tables.QA_PAIRS)
        .filter(col("generator").equalTo(gen.name()).and(col("prompt_hash").equalTo(gen.promptHash())).and(col("status").equalTo(QaResult.OK)))
        .select(col("book_id").as("p_book"), col("chunk_index").as("p_chunk"), col("question"), col("answer"));
    long nPairs = pairs.count();
    if (nPairs == 0) {
      throw new UserError("qa_pairs has no ok pair for generator " + gen.name() + " with prompt hash " + gen.promptHash()
          + ": run lwm qa generate with the same generator and settings first");
    }

    // one shuffle: a book's chunks and pairs side by side, sorted by chunk, streamed book by book (no row holds a book)
    Dataset<Row> byBook = chunks.select(col("book_id"), col("chunk_index"), col("text"), col("n_tokens"),
            functions.lit(null).cast(DataTypes.StringType).as("question"), functions.lit(null).cast(DataTypes.StringType).as("answer"))
        .unionByName(pairs.select(col("p_book").as("book_id"), col("p_chunk").as("chunk_index"), functions.lit(null).cast(DataTypes.StringType).as("text"),
            functions.lit(null).cast(DataTypes.IntegerType).as("n_tokens"), col("question"), col("answer")))
        .repartition(col("book_id"))
        .sortWithinPartitions(col("book_id"), col("chunk_index"), col("text").isNull());

    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<SentencePieceTokenizer> tok = jsc.broadcast(tokenizer);
    Tallies tallies = new Tallies();
    spark.sparkContext().register(tallies, JOB + " counts");
    List<Integer> ts = List.copyOf(lengths);
    JavaRDD<InternalRow> rows = CatalystRows.of(byBook).mapPartitions(it -> new LongQaRows(it, new LongQaAssembler(tok.value(), settings), ts, tallies));
    lake.overwrite(CatalystRows.dataFrame(spark, rows, SCHEMA), Tables.LONG_QA);
    tok.destroy();

    counts.put("chunks", tallies.sum("chunks")).put("pairs_ok", nPairs).put("generator", gen.name()).put("prompt_hash", gen.promptHash());
    counts.put("books", tallies.sum("books"));
    for (int t : lengths) {
      for (String name : LongQaRows.TALLIES) counts.put(name + "_" + t, tallies.sum(name + "_" + t));
      long examples = tallies.sum("examples_" + t);
      counts.put("max_tokens_" + t, tallies.maximum("max_tokens_" + t, 0));
      counts.put("fill_percent_" + t, examples == 0 ? "-"
          : String.format(java.util.Locale.ROOT, "%.1f", 100 * ((double) tallies.sum("tokens_" + t) / examples) / t));
    }
    counts.put("lengths", lengthsText(lengths));
    return counts;
  }

  /** "32768,131072", "2k,8K", "1M": K and M are 1024 and 1024². */
  public static List<Integer> parseLengths(String spec) {
    List<Integer> out = new ArrayList<>();
    for (String s : spec.split(",")) {
      String v = s.strip().toUpperCase(java.util.Locale.ROOT);
      if (v.isEmpty()) continue;
      long mult = v.endsWith("K") ? 1024 : v.endsWith("M") ? 1024 * 1024 : 1;
      try {
        long n = Long.parseLong(mult == 1 ? v : v.substring(0, v.length() - 1)) * mult;
        if (n <= 0 || n > Integer.MAX_VALUE) throw new NumberFormatException();
        if (!out.contains((int) n)) out.add((int) n);
      } catch (NumberFormatException e) {
        throw new UserError("target length '" + s.strip() + "' is not a positive token count: use e.g. 32768, 32K or 1M");
      }
    }
    return out;
  }
}
