package org.lwm.qa;

import org.apache.spark.sql.SparkSession;
import org.lwm.core.cli.CommandGroup;
import org.lwm.core.cli.CommandProvider;
import org.lwm.core.cli.CommonOptions;
import org.lwm.core.config.Config;
import org.lwm.core.spark.SparkSessions;
import org.lwm.qa.assemble.AssembleJob;
import org.lwm.qa.chunk.ChunkJob;
import org.lwm.qa.generate.GenerateJob;
import org.lwm.qa.mix.MixJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lwm qa ...}: chunks, QA pairs, long-context QA chats and the chat mixture. */
@Command(name = "qa", description = "Long-context QA synthesis: chunk books, generate a QA pair per chunk, assemble long QA chats, mix with chat data.",
    mixinStandardHelpOptions = true,
    subcommands = {QaCommand.Chunk.class, QaCommand.Generate.class, QaCommand.Assemble.class, QaCommand.Mix.class})
public final class QaCommand extends CommandGroup {

  /** Registers {@code qa} with the {@code lwm} command. */
  public static final class Provider implements CommandProvider {
    @Override
    public Object command() {
      return new QaCommand();
    }
  }

  @Command(name = "chunk", mixinStandardHelpOptions = true,
      description = {"Cut every book of 'book_tokens' into consecutive blocks of qa.chunk_tokens tokens (default 1000; the last shorter) into 'chunks'",
          "(book_id, chunk_index, token_start, token_end, n_tokens, text). The table is rebuilt on every run."})
  static final class Chunk implements Runnable {
    @Mixin CommonOptions common;

    @Option(names = "--tokenizer", required = true, paramLabel = "FILE", description = "The tokenizer.model that tokenized the books (path or URI).")
    String tokenizer;

    @Option(names = "--chunk-tokens", paramLabel = "N", description = "Tokens per chunk (config qa.chunk_tokens, default 1000).")
    Integer chunkTokens;

    @Override
    public void run() {
      Config config = common.config();
      if (chunkTokens != null) config = config.with("qa.chunk_tokens", String.valueOf(chunkTokens));
      SparkSession spark = SparkSessions.create("qa chunk", config);
      common.lake().checkReadable(spark);
      ChunkJob.run(spark, common.lake(), QaTables.loadTokenizer(spark, tokenizer), config).print(System.out);
    }
  }

  @Command(name = "generate", mixinStandardHelpOptions = true,
      description = {"One question/answer pair per chunk into 'qa_pairs', keyed by (book_id, chunk_index, generator, prompt_hash).",
          "Resumable: only chunks without an ok pair are asked; a killed run is picked up from its journal.",
          "extractive: offline, deterministic heuristic (a sentence with a number or a name turned into a question).",
          "openai: any OpenAI-compatible chat-completions endpoint; config qa.openai.base_url, qa.openai.model, qa.openai.api_key_env",
          "(the NAME of the environment variable holding the key, default OPENAI_API_KEY), qa.openai.concurrency (per executor, default 8),",
          "qa.openai.timeout_s (60), qa.openai.max_attempts (5), qa.openai.backoff_s (1), qa.openai.prompt / qa.openai.prompt_file ({chunk} placeholder)."})
  static final class Generate implements Runnable {
    @Mixin CommonOptions common;

    @Option(names = "--generator", paramLabel = "NAME", description = "extractive or openai (config qa.generator, default extractive).")
    String generator;

    @Option(names = "--base-url", paramLabel = "URL", description = "openai: the endpoint's base URL, e.g. http://localhost:8000/v1 (config qa.openai.base_url).")
    String baseUrl;

    @Option(names = "--model", paramLabel = "NAME", description = "openai: the model name (config qa.openai.model).")
    String model;

    @Override
    public void run() {
      Config config = common.config();
      if (baseUrl != null) config = config.with("qa.openai.base_url", baseUrl);
      if (model != null) config = config.with("qa.openai.model", model);
      String name = generator != null ? generator : config.get("qa.generator", "extractive");
      SparkSession spark = SparkSessions.create("qa generate", config);
      common.lake().checkReadable(spark);
      GenerateJob.run(spark, common.lake(), name, config).print(System.out);
    }
  }

  @Command(name = "assemble", mixinStandardHelpOptions = true,
      description = {"Long-context QA chats into 'long_qa': per book and target length, windows of adjacent chunks whose context and QA turns fit",
          "(counted with the tokenizer, template included; never over the length), ready for the formatter (fields, parts).",
          "Config: qa.assemble.max_turns (0 = every pair of the window), qa.assemble.order (shuffle | document), qa.assemble.seed, qa.assemble.min_fill (0.5)."})
  static final class Assemble implements Runnable {
    @Mixin CommonOptions common;

    @Option(names = "--tokenizer", required = true, paramLabel = "FILE", description = "The tokenizer.model that tokenized the books.")
    String tokenizer;

    @Option(names = "--lengths", required = true, paramLabel = "T,T,...", description = "Target lengths in tokens, e.g. 32768,131072 or 32K,128K,1M.")
    String lengths;

    @Option(names = "--generator", paramLabel = "NAME", description = "Whose pairs to use: extractive or openai (config qa.generator, default extractive).")
    String generator;

    @Option(names = "--model", paramLabel = "NAME", description = "openai: the model whose pairs to use (config qa.openai.model).")
    String model;

    @Override
    public void run() {
      Config config = common.config();
      if (model != null) config = config.with("qa.openai.model", model);
      // the prompt hash that selects the pairs does not depend on the endpoint: assembling needs no URL
      if (!config.has("qa.openai.base_url")) config = config.with("qa.openai.base_url", "http://unused.invalid/v1");
      String name = generator != null ? generator : config.get("qa.generator", "extractive");
      SparkSession spark = SparkSessions.create("qa assemble", config);
      common.lake().checkReadable(spark);
      AssembleJob.run(spark, common.lake(), QaTables.loadTokenizer(spark, tokenizer), AssembleJob.parseLengths(lengths),
          GenerateJob.generator(spark, common.lake(), name, config), config).print(System.out);
    }
  }

  @Command(name = "mix", mixinStandardHelpOptions = true,
      description = {"The chat fine-tuning mixture into 'chat_mix' (example_id, source, fields, parts, n_tokens): 'chat' and 'long_qa' at",
          "qa.mix.ratio (default 7:3, chat:long_qa) counted in qa.mix.unit (examples, the default, or loss_tokens)."})
  static final class Mix implements Runnable {
    @Mixin CommonOptions common;

    @Option(names = "--tokenizer", required = true, paramLabel = "FILE", description = "The tokenizer.model that tokenized the books.")
    String tokenizer;

    @Option(names = "--ratio", paramLabel = "C:Q", description = "chat:long_qa (config qa.mix.ratio, default 7:3).")
    String ratio;

    @Option(names = "--unit", paramLabel = "UNIT", description = "examples or loss_tokens (config qa.mix.unit, default examples).")
    String unit;

    @Override
    public void run() {
      Config config = common.config();
      if (ratio != null) config = config.with("qa.mix.ratio", ratio);
      if (unit != null) config = config.with("qa.mix.unit", unit);
      SparkSession spark = SparkSessions.create("qa mix", config);
      common.lake().checkReadable(spark);
      MixJob.run(spark, common.lake(), QaTables.loadTokenizer(spark, tokenizer), config).print(System.out);
    }
  }
}
