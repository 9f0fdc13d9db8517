package org.lwm.packing.lake;

import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.CollectionAccumulator;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Reject;
import org.lwm.core.lake.Rejects;
import org.lwm.core.lake.Tables;
import org.lwm.core.spark.CatalystRows;
import org.lwm.core.spark.Tallies;
import org.lwm.core.step.ConfigKey;
import org.lwm.core.step.Step;
import org.lwm.core.step.StepExecution;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.core.tokenizer.TokenizerFiles;
import org.lwm.packing.format.ExampleFormatter;
import org.lwm.packing.format.FormatOptions;
import org.lwm.packing.format.FormattedExample;
import org.lwm.packing.format.SourceRecord;

/**
 * {@code examples}: every source in the lake ({@link ExampleSources}) formatted LWM's way, one row per example
 * (example_id, task, tokens, loss_mask, vision_mask, n_tokens), rebuilt whole on each run. Rows that cannot be
 * formatted go to {@code rejects} (job {@value #JOB}, reason {@code unformattable}, the formatter's words). The
 * tokenizer must be the one that made {@code book_tokens}, {@code long_qa} and {@code chat_mix}: the step execution
 * refuses a table recording another.
 */
public final class ExamplesJob implements Step {
  public static final String JOB = "pack-examples";
  public static final String MAX_N_FRAMES = "pack.max_n_frames";
  public static final String LWM_COMPAT = "pack.lwm_compat";
  public static final String PREPEND_TEXT = "pack.prepend_text";

  public static final StructType SCHEMA = new StructType()
      .add("example_id", DataTypes.StringType, false)
      .add("task", DataTypes.StringType, false)
      .add("tokens", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
      .add("loss_mask", DataTypes.createArrayType(DataTypes.FloatType, false), false)
      .add("vision_mask", DataTypes.createArrayType(DataTypes.BooleanType, false), false)
      .add("n_tokens", DataTypes.LongType, false);

  /** Rejects a task keeps for the driver; past this many in one task they are recomputed by Spark instead. */
  static final int REJECTS_PER_TASK = 10_000;

  /** Null: the step loads config {@code tokenizer}; else the model a caller already holds (the demo). */
  private final SentencePieceTokenizer preloaded;

  public ExamplesJob() {
    this(null);
  }

  private ExamplesJob(SentencePieceTokenizer preloaded) {
    this.preloaded = preloaded;
  }

  @Override
  public String name() {
    return "pack examples";
  }

  @Override
  public String description() {
    return "every source in the lake (books, long QA, chat, image/video-text pairs) formatted LWM's way into 'examples'";
  }

  @Override
  public List<String> reads() {
    return List.of(Tables.BOOK_TOKENS, Tables.LONG_QA, Tables.CHAT_MIX, Tables.CHAT, Tables.VIDEOS, Tables.VISION_TOKENS);
  }

  /** Every source is optional: examples are made from whichever of them the lake has (at least one). */
  @Override
  public List<String> requires() {
    return List.of();
  }

  @Override
  public List<String> writes() {
    return List.of(Tables.EXAMPLES, Tables.REJECTS);
  }

  @Override
  public List<ConfigKey> keys() {
    return List.of(
        ConfigKey.of(StepExecution.TOKENIZER_KEY, "the SentencePiece tokenizer.model (path or URI)"),
        ConfigKey.of(MAX_N_FRAMES, "-1", "keep at most N evenly spaced frames of each vision field (-1: all)"),
        ConfigKey.of(LWM_COMPAT, "false", "encode like LWM's tokenizer: a BOS before every text field and before <vision>/</vision>"),
        ConfigKey.of(PREPEND_TEXT, "", "text put before the first field (LWM's prepend_text)"));
  }

  /** The formatting options config gives (LWM's defaults otherwise). */
  public static FormatOptions options(Config config) {
    return FormatOptions.defaults().withMaxFrames(config.getInt(MAX_N_FRAMES, -1)).withLwmCompat(config.getBoolean(LWM_COMPAT, false))
        .withPrependText(config.get(PREPEND_TEXT, ""));
  }

  /** {@code options} as config keys; only the options config has keys for may differ from LWM's defaults. */
  static Config withOptions(Config config, FormatOptions options) {
    FormatOptions d = FormatOptions.defaults();
    if (!options.withMaxFrames(d.maxFrames()).withLwmCompat(d.lwmCompat()).withPrependText(d.prependText()).equals(d)) {
      throw new IllegalArgumentException("pack examples takes only max_n_frames, lwm_compat and prepend_text from LWM's defaults: " + options);
    }
    return config.with(MAX_N_FRAMES, String.valueOf(options.maxFrames())).with(LWM_COMPAT, String.valueOf(options.lwmCompat()))
        .with(PREPEND_TEXT, options.prependText());
  }

  @Override
  public JobCounts run(SparkSession spark, Lake lake, Config config) {
    SentencePieceTokenizer tokenizer = preloaded != null ? preloaded : TokenizerFiles.load(spark, config.get(StepExecution.TOKENIZER_KEY, null));
    return format(spark, lake, tokenizer, options(config));
  }

  /** The step with its provenance, with the tokenizer model at {@code tokenizerUri}. */
  public static JobCounts run(SparkSession spark, Lake lake, String tokenizerUri, FormatOptions options, Config config) {
    return StepExecution.run(new ExamplesJob(), spark, lake, withOptions(config, options).with(StepExecution.TOKENIZER_KEY, tokenizerUri));
  }

  private static JobCounts format(SparkSession spark, Lake lake, SentencePieceTokenizer tokenizer, FormatOptions options) {
    JobCounts counts = new JobCounts(JOB);
    if (!ExampleSources.anyPresent(spark, lake, false)) throw nothingToFormat(lake);
    JavaRDD<SourceRecord> records = ExampleSources.all(spark, lake, false);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<ExampleFormatter> fmt = jsc.broadcast(new ExampleFormatter(tokenizer, options));
    // one pass: examples written as they are formatted; counts and (up to a bound) rejects gathered on the way
    Tallies tallies = new Tallies();
    spark.sparkContext().register(tallies, JOB + " counts");
    CollectionAccumulator<Reject> rejects = spark.sparkContext().collectionAccumulator(JOB + " rejects");
    JavaRDD<InternalRow> rows = records.mapPartitions(it -> new FormattedRows(it, fmt.value(), tallies, rejects, REJECTS_PER_TASK));
    try {
      lake.overwrite(CatalystRows.dataFrame(spark, rows, SCHEMA), Tables.EXAMPLES);
      long seen = tallies.sum("records");
      if (seen == 0) throw nothingToFormat(lake);
      long rejected = tallies.sum("rejected");
      if (rejected > rejects.value().size()) {
        // more rejects than tasks keep in memory (a broken source): they are formatted again, by Spark, to be recorded
        Rejects.record(spark, lake, spark.createDataFrame(records.flatMap(rec -> FormattedRows.reject(rec, fmt.value()).stream()
            .map(Rejects::toRow).iterator()), Rejects.SCHEMA));
      } else if (rejected > 0) {
        Rejects.record(spark, lake, rejects.value());
      }
      counts.put("records", seen).put("examples", seen - rejected).put("rejected", rejected);
      for (Map.Entry<String, Long> e : tallies.sums().entrySet()) {
        if (!e.getKey().startsWith("examples_")) continue;
        String task = e.getKey().substring("examples_".length());
        counts.put("examples_" + task, e.getValue());
        counts.put("tokens_" + task, tallies.sum("tokens_" + task));
      }
    } finally {
      fmt.destroy();
    }
    counts.put("lwm_compat", String.valueOf(options.lwmCompat())).put("max_n_frames", options.maxFrames());
    return counts;
  }

  private static UserError nothingToFormat(Lake lake) {
    return new UserError("the lake " + lake + " has nothing to format: it needs book_tokens, long_qa, chat_mix, chat, or videos with vision_tokens");
  }

  /** A formatted example from an {@code examples} row. */
  public static FormattedExample fromRow(Row r) {
    java.util.List<Integer> t = r.getList(r.fieldIndex("tokens"));
    java.util.List<Float> l = r.getList(r.fieldIndex("loss_mask"));
    java.util.List<Boolean> v = r.getList(r.fieldIndex("vision_mask"));
    int n = t.size();
    int[] tokens = new int[n];
    float[] loss = new float[n];
    boolean[] vision = new boolean[n];
    for (int i = 0; i < n; i++) {
      tokens[i] = t.get(i);
      loss[i] = l.get(i);
      vision[i] = v.get(i);
    }
    return new FormattedExample(r.getAs("example_id"), r.getAs("task"), tokens, loss, vision);
  }
}
