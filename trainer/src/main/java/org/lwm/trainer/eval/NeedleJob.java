package org.lwm.trainer.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.records.SequenceLayout;
import org.lwm.core.step.ConfigKey;
import org.lwm.core.step.SourceFiles;
import org.lwm.core.step.Step;
import org.lwm.core.step.StepExecution;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.core.tokenizer.TokenizerFiles;
import org.lwm.trainer.checkpoint.Checkpoint;
import org.lwm.trainer.model.Parameters;
import org.lwm.trainer.model.SequenceParallel;

/** {@code eval needle}: needle-in-a-haystack accuracy of a checkpoint over a grid of lengths × depths. */
public final class NeedleJob implements Step {
  static final String P = "eval.needle.";

  @Override
  public String name() {
    return "eval needle";
  }

  @Override
  public String description() {
    return "needle-in-a-haystack accuracy of a checkpoint (needle.json, needle.png)";
  }

  @Override
  public List<String> reads() {
    return List.of(Tables.BOOKS);
  }

  @Override
  public List<String> writes() {
    return List.of();
  }

  @Override
  public List<ConfigKey> keys() {
    return List.of(
        ConfigKey.of(P + "checkpoint", "the checkpoint directory (HF config.json + model.safetensors)"),
        ConfigKey.of(StepExecution.TOKENIZER_KEY, "the tokenizer.model the model was trained with"),
        ConfigKey.of(P + "haystack", "a text file instead of the lake's books"),
        ConfigKey.of(P + "lengths", "512,1024", "context lengths in tokens"),
        ConfigKey.of(P + "depths", "0,25,50,75,100", "needle depths in percent"),
        ConfigKey.of(P + "seeds", "3", "seeds per cell"),
        ConfigKey.of(P + "needles", "1", "needles inserted"),
        ConfigKey.of(P + "asked", "1", "needles asked for"),
        ConfigKey.of(P + "max_new_tokens", "12", "greedy tokens per answer"),
        ConfigKey.of(P + "output", "where needle.json and needle.png go"),
        ConfigKey.of(P + "sp", "1", "sequence-parallel workers"),
        ConfigKey.of(P + "layout", "contiguous", "contiguous or zigzag"),
        ConfigKey.of(P + "query_chunk", "512", "queries per attention tile"),
        ConfigKey.of(P + "key_chunk", "512", "keys per attention tile"));
  }

  @Override
  public String sourceVersion(SparkSession spark, Config config) {
    List<String> files = new ArrayList<>(config.getList(P + "checkpoint"));
    files.addAll(config.getList(P + "haystack"));
    return SourceFiles.version(spark, files);
  }

  @Override
  public JobCounts run(SparkSession spark, Lake lake, Config config) {
    String ck = config.get(P + "checkpoint", null);
    String out = config.get(P + "output", null);
    if (ck == null) throw new UserError("eval needle: no checkpoint: pass --checkpoint DIR (config " + P + "checkpoint)");
    if (out == null) throw new UserError("eval needle: no output: pass --output DIR (config " + P + "output)");
    int needles = config.getInt(P + "needles", 1), asked = config.getInt(P + "asked", 1);
    if (needles < 1 || asked < 1 || asked > needles) throw new UserError("eval needle: --asked must be between 1 and --needles");
    int[] lengths = ints(config, P + "lengths", "512,1024");
    int[] depths = ints(config, P + "depths", "0,25,50,75,100");
    Parameters model = Checkpoint.read(Path.of(ck));
    SentencePieceTokenizer tok = TokenizerFiles.load(spark, config.get(StepExecution.TOKENIZER_KEY, null));
    String hay;
    if (config.has(P + "haystack")) {
      Path f = Path.of(config.get(P + "haystack", null));
      try {
        hay = Files.readString(f);
      } catch (IOException e) {
        throw new UserError("cannot read the haystack " + f + ": " + e.getMessage());
      }
    } else {
      hay = Haystack.fromBooks(spark, lake, Arrays.stream(lengths).max().orElse(1024) * 8 + 1000);
    }
    SequenceLayout layout;
    try {
      layout = SequenceLayout.parse(config.get(P + "layout", "contiguous"));
    } catch (IllegalArgumentException e) {
      throw new UserError("eval needle: layout: " + e.getMessage());
    }
    SequenceParallel.Options par = new SequenceParallel.Options(config.getInt(P + "sp", 1), layout,
        config.getInt(P + "query_chunk", 512), config.getInt(P + "key_chunk", 512), 256);
    NeedleEval.Result r = NeedleReport.run(model, tok, hay, new NeedleEval.Settings(lengths, depths, config.getInt(P + "seeds", 3),
        needles, asked, config.getInt(P + "max_new_tokens", 12), par), Path.of(out));
    System.out.print(r.table());
    return new JobCounts("eval-needle").put("cells", (long) lengths.length * depths.length)
        .put("accuracy", String.format(Locale.ROOT, "%.3f", r.mean())).put("output", out);
  }

  private static int[] ints(Config config, String key, String fallback) {
    String[] parts = config.get(key, fallback).split(",");
    int[] out = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        out[i] = Integer.parseInt(parts[i].trim());
      } catch (NumberFormatException e) {
        throw new UserError("config key '" + key + "' must be integers separated by commas, got '" + config.get(key, fallback) + "'");
      }
    }
    return out;
  }
}
