package org.lwm.qa.mix;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Rejects;
import org.lwm.core.lake.Tables;
import org.lwm.core.records.ChatTemplate;
import org.lwm.core.step.ConfigKey;
import org.lwm.core.step.Step;
import org.lwm.core.step.StepExecution;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.core.tokenizer.TokenizerFiles;
import org.lwm.qa.QaTables;

/**
 * {@code chat_mix}: LWM's chat fine-tuning mixture, general chat ({@code chat}, UltraChat-style) and long-context
 * QA ({@code long_qa}) at {@code qa.mix.ratio} (default 7:3, chat:long_qa) counted in {@code qa.mix.unit}:
 * {@code examples} (default) or {@code loss_tokens} (answer tokens + EOS). The scarcer side is kept whole and the
 * other sampled down: a row is kept when a seeded hash of its id falls under the needed fraction, so the result is
 * deterministic and the ratio holds to sampling error (the achieved figures are in the counts). Chat rows are
 * formatted with the same template as long QA (core's {@link ChatTemplate#chat}); a conversation with no answer
 * ({@code no-answer}) or a turn of an unknown role ({@code unknown-role}) goes to rejects. Columns: example_id, source (chat | long_qa), fields, parts, n_tokens; the packer can pack the two
 * sources apart (LWM packs its QA chats separately, their answers being under 1% of their tokens).
 */
public final class MixJob implements Step {
  public static final String JOB = "qa-mix";
  static final StructType WITH_LOSS = new StructType()
      .add("example_id", DataTypes.StringType, false)
      .add("source", DataTypes.StringType, false)
      .add("fields", DataTypes.StringType, true)
      .add("parts", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType, false), true)
      .add("n_tokens", DataTypes.IntegerType, false)
      .add("loss_tokens", DataTypes.IntegerType, false)
      .add("problem", DataTypes.StringType, true);

  @Override
  public String name() {
    return "qa mix";
  }

  @Override
  public String description() {
    return "the chat fine-tuning mixture 'chat_mix': 'chat' and 'long_qa' at qa.mix.ratio, formatted with LWM's chat template";
  }

  @Override
  public List<String> reads() {
    return List.of(Tables.CHAT, Tables.LONG_QA);
  }

  @Override
  public List<String> writes() {
    return List.of(Tables.CHAT_MIX, Tables.REJECTS);
  }

  @Override
  public List<ConfigKey> keys() {
    return List.of(
        ConfigKey.of(StepExecution.TOKENIZER_KEY, "the tokenizer.model that tokenized the books (path or URI)"),
        ConfigKey.of("qa.mix.ratio", "7:3", "chat:long_qa"),
        ConfigKey.of("qa.mix.unit", "examples", "what the ratio counts: examples or loss_tokens (answer tokens + EOS)"),
        ConfigKey.of("qa.mix.seed", "0", "seed of the sampling"));
  }

  @Override
  public JobCounts run(SparkSession spark, Lake lake, Config config) {
    return mix(spark, lake, TokenizerFiles.load(spark, config.get(StepExecution.TOKENIZER_KEY, null)), config);
  }

  /** The step with its provenance, with the tokenizer model at {@code tokenizerUri}. */
  public static JobCounts run(SparkSession spark, Lake lake, String tokenizerUri, Config config) {
    return StepExecution.run(new MixJob(), spark, lake, config.with(StepExecution.TOKENIZER_KEY, tokenizerUri));
  }

  private static JobCounts mix(SparkSession spark, Lake lake, SentencePieceTokenizer tokenizer, Config config) {
    String[] ratio = config.get("qa.mix.ratio", "7:3").split(":");
    double chatShare;
    double qaShare;
    try {
      chatShare = Double.parseDouble(ratio[0].strip());
      qaShare = Double.parseDouble(ratio[1].strip());
      if (ratio.length != 2 || chatShare < 0 || qaShare < 0 || chatShare + qaShare == 0) throw new NumberFormatException();
    } catch (RuntimeException e) {
      throw new UserError("qa.mix.ratio = " + config.get("qa.mix.ratio", "") + " is not CHAT:LONG_QA, e.g. 7:3");
    }
    String unit = config.get("qa.mix.unit", "examples");
    if (!unit.equals("examples") && !unit.equals("loss_tokens")) throw new UserError("qa.mix.unit = " + unit + ": use examples or loss_tokens");
    long seed = config.getLong("qa.mix.seed", 0);
    if (!lake.exists(spark, Tables.CHAT)) throw new UserError("table 'chat' does not exist in " + lake + ": run lwm ingest chat first");
    Dataset<Row> longQa = lake.read(spark, Tables.LONG_QA);
    Dataset<Row> chat = lake.read(spark, Tables.CHAT);

    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<SentencePieceTokenizer> tok = jsc.broadcast(tokenizer);
    JavaRDD<Row> chatRows = chat.select(col("example_id"), col("turns.role").as("roles"), col("turns.content").as("contents")).javaRDD().mapPartitions(it -> {
      SentencePieceTokenizer.Encoder enc = tok.value().newEncoder();
      List<Row> out = new ArrayList<>();
      while (it.hasNext()) {
        Row r = it.next();
        ChatTemplate.Formatted f;
        try {
          f = ChatTemplate.chat(r.<String>getList(1), r.<String>getList(2));
        } catch (ChatTemplate.UnknownRole e) {
          out.add(RowFactory.create(r.getString(0), "chat", null, null, 0, 0, "unknown-role\t" + e.getMessage()));
          continue;
        }
        out.add(f == null ? RowFactory.create(r.getString(0), "chat", null, null, 0, 0, "no-answer\tthe conversation has no assistant turn to learn from")
            : RowFactory.create(r.getString(0), "chat", f.fields(), QaTables.scalaMap(new LinkedHashMap<>(f.parts())), f.nTokens(enc), f.lossTokens(enc), null));
      }
      return out.iterator();
    });
    JavaRDD<Row> qaRows = longQa.select("example_id", "fields", "parts", "n_tokens").javaRDD().mapPartitions(it -> {
      SentencePieceTokenizer.Encoder enc = tok.value().newEncoder();
      List<Row> out = new ArrayList<>();
      while (it.hasNext()) {
        Row r = it.next();
        Map<String, String> parts = new LinkedHashMap<>(r.getJavaMap(2));
        int loss = new ChatTemplate.Formatted(r.getString(1), parts).lossTokens(enc);
        out.add(RowFactory.create(r.getString(0), "long_qa", r.getString(1), QaTables.scalaMap(parts), r.getInt(3), loss, null));
      }
      return out.iterator();
    });
    Dataset<Row> all = spark.createDataFrame(chatRows, WITH_LOSS).union(spark.createDataFrame(qaRows, WITH_LOSS)).persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> unusable = all.filter(col("fields").isNull());
    Rejects.record(spark, lake, unusable.select(functions.lit(JOB).as("job"), col("example_id").as("source"),
        functions.substring_index(col("problem"), "\t", 1).as("reason"), functions.substring_index(col("problem"), "\t", -1).as("detail"),
        functions.current_timestamp().as("at")));
    Dataset<Row> usable = all.filter(col("fields").isNotNull());
    String measure = unit.equals("examples") ? "1" : "loss_tokens";
    Map<String, Double> available = new LinkedHashMap<>();
    available.put("chat", 0.0);
    available.put("long_qa", 0.0);
    for (Row r : usable.groupBy("source").agg(functions.sum(functions.expr("CAST(" + measure + " AS DOUBLE)"))).collectAsList()) {
      available.put(r.getString(0), r.getDouble(1));
    }
    double haveChat = available.get("chat");
    double haveQa = available.get("long_qa");
    if (haveChat == 0 && chatShare > 0 || haveQa == 0 && qaShare > 0) {
      throw new UserError("the mixture needs both sources: chat has " + (long) haveChat + " and long_qa " + (long) haveQa + " " + unit
          + " usable; ingest chat data and run lwm qa assemble first (or set qa.mix.ratio)");
    }
    // keep the scarcer side whole, sample the other down to the ratio
    double keepChat = 1;
    double keepQa = 1;
    if (qaShare == 0) keepQa = 0;
    else if (chatShare == 0) keepChat = 0;
    else if (haveChat / haveQa > chatShare / qaShare) keepChat = haveQa * chatShare / qaShare / haveChat;
    else keepQa = haveChat * qaShare / chatShare / haveQa;
    // a hash of (id, seed) as a uniform number in [0, 1)
    org.apache.spark.sql.Column u = functions.pmod(functions.xxhash64(col("example_id"), functions.lit(seed)), functions.lit(1L << 40)).divide((double) (1L << 40));
    Dataset<Row> kept = usable.filter(col("source").equalTo("chat").and(u.lt(keepChat)).or(col("source").equalTo("long_qa").and(u.lt(keepQa))));
    lake.overwrite(kept.select("example_id", "source", "fields", "parts", "n_tokens"), Tables.CHAT_MIX);

    JobCounts counts = new JobCounts(JOB);
    counts.put("chat_seen", chat.count()).put("long_qa_seen", longQa.count()).put("chat_no_answer", unusable.filter(col("problem").startsWith("no-answer")).count())
        .put("chat_unknown_role", unusable.filter(col("problem").startsWith("unknown-role")).count());
    Map<String, Row> got = new LinkedHashMap<>();
    for (Row r : kept.groupBy("source").agg(functions.count("*"), functions.sum("loss_tokens"), functions.sum("n_tokens")).collectAsList()) got.put(r.getString(0), r);
    long[] ex = new long[2];
    long[] loss = new long[2];
    long[] tokens = new long[2];
    String[] sources = {"chat", "long_qa"};
    for (int i = 0; i < 2; i++) {
      Row r = got.get(sources[i]);
      if (r == null) continue;
      ex[i] = r.getLong(1);
      loss[i] = r.getLong(2);
      tokens[i] = r.getLong(3);
      counts.put(sources[i] + "_kept", ex[i]).put(sources[i] + "_loss_tokens", loss[i]).put(sources[i] + "_tokens", tokens[i]);
    }
    double achieved = unit.equals("examples") ? share(ex) : share(loss);
    counts.put("unit", unit).put("ratio_wanted", config.get("qa.mix.ratio", "7:3"));
    counts.put("chat_share_achieved", String.format(Locale.ROOT, "%.3f (wanted %.3f)", achieved, chatShare / (chatShare + qaShare)));
    if (tokens[1] > 0) counts.put("long_qa_loss_token_percent", String.format(Locale.ROOT, "%.2f", 100.0 * loss[1] / tokens[1]));
    all.unpersist();
    tok.destroy();
    return counts;
  }

  private static double share(long[] v) {
    return v[0] + v[1] == 0 ? 0 : (double) v[0] / (v[0] + v[1]);
  }
}
