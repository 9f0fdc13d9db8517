package org.lwm.packing.lake;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.spark.CatalystRows;
import org.lwm.core.spark.Tallies;
import org.lwm.core.records.PackedRow;
import org.lwm.core.records.PackedRowSchema;
import org.lwm.core.step.ConfigKey;
import org.lwm.core.step.Step;
import org.lwm.core.step.StepExecution;
import org.lwm.packing.pack.Packer;

/**
 * {@code lwm pack run}: {@code examples} → {@code packed} partition {@code stage=NAME}. The stage's tasks are
 * sampled to its proportions, spread over partitions by a seeded hash of example_id, ordered inside each partition
 * by packing group (tasks packed apart form their own group) and hash, and each partition streams through the same
 * {@link Packer} as {@code lwm pack sequences}: rows never mix groups. Rewriting a stage replaces only its
 * partition. Statistics (rows, fill rate, examples split, tokens per task) are printed and kept in the table's
 * properties as {@code lwm.pack-NAME.*}, with the stage's sources, separate tasks and seed. Deterministic for a seed,
 * the data and {@code pack.partitions}. As a step, the stage is config {@code pack.stage} and its settings
 * {@code pack.stages.NAME.*}; each stage keeps its own provenance (scope {@code pack-run.NAME}).
 */
public final class PackJob implements Step {
  /** The stage to pack: {@code --stage}. */
  public static final String STAGE = "pack.stage";
  public static final String WINDOW_TOKENS = "pack.window_tokens";
  public static final String PARTITION_TOKENS = "pack.partition_tokens";
  /**
   * Default tokens per partition: 2^25, ~330 MB of examples for each partition's sort, so two tasks' sorts take
   * ~0.7 GB of a 3 GiB heap's execution memory instead of all of it (1.65 GB at 1 GB of books in two partitions, the
   * rest of the heap then too small for the packer, the writer and the reader's book-sized rows).
   */
  public static final long DEFAULT_PARTITION_TOKENS = 1L << 25;

  @Override
  public String name() {
    return "pack run";
  }

  @Override
  public String description() {
    return "'examples' packed into the 'packed' table's partition stage=NAME (masked best-fit packing with loss weights)";
  }

  @Override
  public List<String> reads() {
    return List.of(Tables.EXAMPLES);
  }

  @Override
  public List<String> writes() {
    return List.of(Tables.PACKED);
  }

  @Override
  public List<ConfigKey> keys() {
    return List.of(
        ConfigKey.of(STAGE, "the stage: the packed partition stage=NAME whose settings are pack.stages.NAME.*"),
        ConfigKey.of("pack.stages.*", "per stage NAME: seq_len (required), sources (task=weight,...; default every task), separate (task,...), seed (0)"),
        ConfigKey.of("pack.window", "4096", "examples per best-fit window"),
        ConfigKey.of(WINDOW_TOKENS, String.valueOf(Packer.WINDOW_TOKENS), "tokens held by a best-fit window, and again by the rows left open: bounds a task's memory (~9 bytes a token)"),
        ConfigKey.of("pack.max_open_rows", "1024", "partly filled rows kept between windows"),
        ConfigKey.of(PARTITION_TOKENS, String.valueOf(DEFAULT_PARTITION_TOKENS), "the most tokens per partition when pack.partitions is not set: bounds each partition's sort (~10 bytes a token)"),
        ConfigKey.of("pack.partitions", "partitions packed apart (default: the cores, fewer for small data, more to keep pack.partition_tokens)"));
  }

  /** Two stages write two partitions of one table: each records its own provenance. */
  @Override
  public String scope(Config config) {
    return "pack-run." + stageName(config);
  }

  private static String stageName(Config config) {
    String stage = config.get(STAGE, null);
    if (stage == null || stage.isBlank()) throw new UserError("pack run: no stage: pass --stage NAME (config " + STAGE + ")");
    return stage;
  }

  @Override
  public JobCounts run(SparkSession spark, Lake lake, Config config) {
    return pack(spark, lake, StageSpec.of(stageName(config), config, null, null, null, null), config);
  }

  /** The step with its provenance for {@code stage}, its settings set as the config keys of that stage. */
  public static JobCounts run(SparkSession spark, Lake lake, StageSpec stage, Config config) {
    return StepExecution.run(new PackJob(), spark, lake, withStage(config, stage));
  }

  /** {@code stage} as config: {@code pack.stage} and {@code pack.stages.NAME.*}. */
  public static Config withStage(Config config, StageSpec stage) {
    String p = "pack.stages." + stage.name() + ".";
    StringJoiner sources = new StringJoiner(",");
    stage.sources().forEach((task, w) -> sources.add(task + "=" + w));
    return config.with(STAGE, stage.name()).with(p + "seq_len", String.valueOf(stage.seqLen())).with(p + "sources", sources.toString())
        .with(p + "separate", String.join(",", stage.separate())).with(p + "seed", String.valueOf(stage.seed()));
  }

  private static JobCounts pack(SparkSession spark, Lake lake, StageSpec stage, Config config) {
    JobCounts counts = new JobCounts("pack-" + stage.name());
    int window = config.getInt("pack.window", 4096);
    int maxOpen = config.getInt("pack.max_open_rows", 1024);
    long windowTokens = config.getLong(WINDOW_TOKENS, Packer.WINDOW_TOKENS);
    if (windowTokens < 1) throw new UserError(WINDOW_TOKENS + " = " + windowTokens + " must be at least 1");
    int seqLen = stage.seqLen();
    Dataset<Row> examples = lake.read(spark, Tables.EXAMPLES);

    // one pass over two columns for every count: per task examples, tokens, examples longer than L, without a target
    Column[] perTaskCounts = {count("*"), sum("n_tokens"), sum(when(col("n_tokens").gt(seqLen + 1), 1L).otherwise(0L)),
        sum(when(col("n_tokens").lt(2), 1L).otherwise(0L))};
    List<Row> all = examples.groupBy("task").agg(perTaskCounts[0], java.util.Arrays.copyOfRange(perTaskCounts, 1, 4)).orderBy("task").collectAsList();
    Map<String, Long> tokensPerTask = new LinkedHashMap<>();
    for (Row r : all) tokensPerTask.put(r.getString(0), r.getLong(2));
    Map<String, Double> keep = stage.keepFractions(tokensPerTask);
    Column unit = pmod(xxhash64(col("example_id"), lit(stage.seed())), lit(1_000_000L)).divide(1e6);
    Column selected = lit(false);
    boolean whole = true; // every task the stage takes is taken whole: its counts are those above
    for (Map.Entry<String, Double> e : keep.entrySet()) {
      selected = selected.or(col("task").equalTo(e.getKey()).and(e.getValue() >= 1.0 ? lit(true) : unit.lt(e.getValue())));
      whole &= e.getValue() >= 1.0;
    }
    Column group = lit("");
    for (String t : stage.separate()) group = when(col("task").equalTo(t), lit(t)).otherwise(group);
    Dataset<Row> chosen = examples.where(selected).withColumn("pack_group", group);

    List<Row> perTask = new java.util.ArrayList<>();
    if (whole) {
      for (Row r : all) if (keep.containsKey(r.getString(0))) perTask.add(r);
    } else {
      perTask = chosen.groupBy("task").agg(perTaskCounts[0], java.util.Arrays.copyOfRange(perTaskCounts, 1, 4)).orderBy("task").collectAsList();
    }
    long nExamples = 0, tokens = 0, split = 0, empty = 0;
    for (Row r : perTask) {
      nExamples += r.getLong(1);
      tokens += r.getLong(2);
      split += r.getLong(3);
      empty += r.getLong(4);
    }
    if (nExamples == 0) throw new UserError("stage " + stage.name() + " selects no examples from 'examples' (tasks: " + String.join(", ", tokensPerTask.keySet()) + ")");
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    long partitionTokens = config.getLong(PARTITION_TOKENS, DEFAULT_PARTITION_TOKENS);
    if (partitionTokens < 1) throw new UserError(PARTITION_TOKENS + " = " + partitionTokens + " must be at least 1");
    int parts = config.getInt("pack.partitions", defaultPartitions(tokens, seqLen, jsc.defaultParallelism(), partitionTokens));
    Column key = xxhash64(col("example_id"), lit(stage.seed() + 1));
    Dataset<Row> spread = chosen.withColumn("pack_key", key).repartition(parts, pmod(col("pack_key"), lit(parts)))
        .sortWithinPartitions(col("pack_group"), col("pack_key"), col("example_id"))
        .select("example_id", "task", "tokens", "loss_mask", "vision_mask", "pack_group");
    long seed = stage.seed();
    Tallies tallies = new Tallies();
    spark.sparkContext().register(tallies, "pack-" + stage.name() + " counts");
    JavaRDD<InternalRow> rows = CatalystRows.ofBooks(spread)
        .mapPartitionsWithIndex((idx, it) -> packPartition(idx, it, seqLen, seed, window, maxOpen, windowTokens, tallies), false);
    Dataset<Row> packed = CatalystRows.dataFrame(spark, rows, PackedRowSchema.SCHEMA).withColumn("stage", lit(stage.name()));
    if (lake.exists(spark, Tables.PACKED)) {
      packed.write().format("delta").mode("overwrite").option("replaceWhere", "stage = '" + stage.name() + "'").save(lake.table(Tables.PACKED));
    } else {
      packed.write().format("delta").mode("overwrite").partitionBy("stage").save(lake.table(Tables.PACKED));
    }

    long nRows = tallies.sum("rows"), used = tallies.sum("positions_used");
    counts.put("seq_len", seqLen).put("examples", nExamples).put("rows", nRows).put("positions_used", used)
        .put("fill_rate", String.format("%.4f", nRows == 0 ? 0.0 : (double) used / (nRows * (double) seqLen)))
        .put("examples_split", split).put("examples_without_targets", empty).put("partitions", parts);
    for (Row r : perTask) {
      counts.put("examples_" + r.getString(0), r.getLong(1));
      counts.put("tokens_" + r.getString(0), r.getLong(2));
    }
    // the stage's own facts, as lwm.pack-NAME.* next to its counts
    counts.put("sources", stage.sources().toString()).put("separate", String.join(",", stage.separate())).put("seed", stage.seed());
    return counts;
  }

  /**
   * One partition per core, but about 256 rows per partition at least (the last partly filled rows of each partition
   * stay few) and at most {@code partitionTokens} tokens per partition (each partition is sorted as a whole).
   */
  public static int defaultPartitions(long tokens, int seqLen, int parallelism, long partitionTokens) {
    long byCores = Math.min(parallelism, tokens / (256L * seqLen));
    long bySize = (tokens + partitionTokens - 1) / partitionTokens;
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, Math.max(byCores, bySize)));
  }

  /**
   * One partition through the packer, streamed: examples (example_id, task, tokens, loss_mask, vision_mask,
   * pack_group) are pulled only when the packer has no row left to give, and rows are built one at a time as the
   * writer takes them, so a partition holds one window, its open rows and one built row (a window's ~500 rows of
   * 32K positions built at once were ~370 MB a task: the out-of-memory of pack run at 1 GB). The packer restarts at
   * each packing group so groups never share a row; seq_ids are the partition index in the high bits and a running
   * count below. Rows and used positions are counted into {@code tallies}.
   */
  static Iterator<InternalRow> packPartition(int idx, Iterator<InternalRow> it, int seqLen, long seed, int window, int maxOpen, long windowTokens,
      Tallies tallies) {
    return new Iterator<>() {
      final long base = (long) idx << 40;
      InternalRow next;
      Packer finishing; // the previous group's packer, finished, while rows of it are left
      Packer packer;
      long packedBefore; // rows of the groups before the current one
      String group;
      boolean inputDone;

      @Override
      public boolean hasNext() {
        while (next == null) {
          PackedRow row = finishing == null ? null : finishing.poll();
          if (row == null) {
            finishing = null;
            row = packer == null ? null : packer.poll();
          }
          if (row != null) {
            next = PackedCatalystRows.toRow(row);
            tallies.add("rows", 1);
            tallies.add("positions_used", PackedCatalystRows.positionsUsed(row));
            break;
          }
          if (inputDone) break;
          if (!it.hasNext()) {
            if (packer != null) packer.finish();
            inputDone = true;
            continue;
          }
          InternalRow r = it.next();
          String g = r.getUTF8String(5).toString();
          if (!g.equals(group)) {
            if (packer != null) {
              packer.finish();
              finishing = packer;
              packedBefore += packer.rowsPacked();
            }
            group = g;
            packer = new Packer(new Packer.Options(seqLen, seed * 1_000_003L + idx * 31L + g.hashCode(), window, maxOpen, windowTokens),
                base + packedBefore);
          }
          packer.add(ExampleRows.fromRow(r));
        }
        return next != null;
      }

      @Override
      public InternalRow next() {
        if (!hasNext()) throw new java.util.NoSuchElementException();
        InternalRow r = next;
        next = null;
        return r;
      }
    };
  }
}
