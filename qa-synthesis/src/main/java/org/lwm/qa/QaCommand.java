package org.lwm.qa;

import java.util.List;
import org.lwm.core.cli.CommandGroup;
import org.lwm.core.cli.CommandProvider;
import org.lwm.core.cli.StepCommand;
import org.lwm.core.config.Config;
import org.lwm.core.step.Step;
import org.lwm.core.step.StepExecution;
import org.lwm.core.step.StepProvider;
import org.lwm.qa.assemble.AssembleJob;
import org.lwm.qa.chunk.ChunkJob;
import org.lwm.qa.generate.GenerateJob;
import org.lwm.qa.mix.MixJob;
import picocli.CommandLine.Command;
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

  /** The QA jobs as pipeline steps. */
  public static final class Steps implements StepProvider {
    @Override
    public List<Step> steps() {
      return List.of(new ChunkJob(), new GenerateJob(), new AssembleJob(), new MixJob());
    }
  }

  @Command(name = "chunk", mixinStandardHelpOptions = true,
      description = {"Cut every book of 'book_tokens' into consecutive blocks of qa.chunk_tokens tokens (default 1000; the last shorter) into 'chunks'",
          "(book_id, chunk_index, token_start, token_end, n_tokens, text). The table is rebuilt on every run."})
  static final class Chunk extends StepCommand {
    @Option(names = "--tokenizer", paramLabel = "FILE", description = "The tokenizer.model that tokenized the books (path or URI; config tokenizer).")
    String tokenizer;

    @Option(names = "--chunk-tokens", paramLabel = "N", description = "Tokens per chunk (config qa.chunk_tokens, default 1000).")
    Integer chunkTokens;

    @Override
    public Step step() {
      return new ChunkJob();
    }

    @Override
    public Config configure(Config base) {
      return base.withIfSet(StepExecution.TOKENIZER_KEY, tokenizer).withIfSet(ChunkJob.CHUNK_TOKENS, chunkTokens);
    }
  }

  @Command(name = "generate", mixinStandardHelpOptions = true,
      description = {"One question/answer pair per chunk into 'qa_pairs', keyed by (book_id, chunk_index, generator, prompt_hash).",
          "Resumable: only chunks without an ok pair are asked; a killed run is picked up from its journal.",
          "extractive: offline, deterministic heuristic (a sentence with a number or a name turned into a question).",
          "openai: any OpenAI-compatible chat-completions endpoint; config qa.openai.base_url, qa.openai.model, qa.openai.api_key_env",
          "(the NAME of the environment variable holding the key, default OPENAI_API_KEY), qa.openai.concurrency (per executor, default 8),",
          "qa.openai.timeout_s (60), qa.openai.max_attempts (5), qa.openai.backoff_s (1), qa.openai.prompt / qa.openai.prompt_file ({chunk} placeholder)."})
  static final class Generate extends StepCommand {
    @Option(names = "--generator", paramLabel = "NAME", description = "extractive or openai (config qa.generator, default extractive).")
    String generator;

    @Option(names = "--base-url", paramLabel = "URL", description = "openai: the endpoint's base URL, e.g. http://localhost:8000/v1 (config qa.openai.base_url).")
    String baseUrl;

    @Option(names = "--model", paramLabel = "NAME", description = "openai: the model name (config qa.openai.model).")
    String model;

    @Override
    public Step step() {
      return new GenerateJob();
    }

    @Override
    public Config configure(Config base) {
      return base.withIfSet(GenerateJob.GENERATOR, generator).withIfSet("qa.openai.base_url", baseUrl).withIfSet("qa.openai.model", model);
    }
  }

  @Command(name = "assemble", mixinStandardHelpOptions = true,
      description = {"Long-context QA chats into 'long_qa': per book and target length, windows of adjacent chunks whose context and QA turns fit",
          "(counted with the tokenizer, template included; never over the length), ready for the formatter (fields, parts).",
          "Config: qa.assemble.max_turns (0 = every pair of the window), qa.assemble.order (shuffle | document), qa.assemble.seed, qa.assemble.min_fill (0.5)."})
  static final class Assemble extends StepCommand {
    @Option(names = "--tokenizer", paramLabel = "FILE", description = "The tokenizer.model that tokenized the books (config tokenizer).")
    String tokenizer;

    @Option(names = "--lengths", paramLabel = "T,T,...", description = "Target lengths in tokens, e.g. 32768,131072 or 32K,128K,1M (config qa.assemble.lengths).")
    String lengths;

    @Option(names = "--generator", paramLabel = "NAME", description = "Whose pairs to use: extractive or openai (config qa.generator, default extractive).")
    String generator;

    @Option(names = "--model", paramLabel = "NAME", description = "openai: the model whose pairs to use (config qa.openai.model).")
    String model;

    @Override
    public Step step() {
      return new AssembleJob();
    }

    @Override
    public Config configure(Config base) {
      return base.withIfSet(StepExecution.TOKENIZER_KEY, tokenizer).withIfSet(AssembleJob.LENGTHS, lengths)
          .withIfSet(GenerateJob.GENERATOR, generator).withIfSet("qa.openai.model", model);
    }
  }

  @Command(name = "mix", mixinStandardHelpOptions = true,
      description = {"The chat fine-tuning mixture into 'chat_mix' (example_id, source, fields, parts, n_tokens): 'chat' and 'long_qa' at",
          "qa.mix.ratio (default 7:3, chat:long_qa) counted in qa.mix.unit (examples, the default, or loss_tokens)."})
  static final class Mix extends StepCommand {
    @Option(names = "--tokenizer", paramLabel = "FILE", description = "The tokenizer.model that tokenized the books (config tokenizer).")
    String tokenizer;

    @Option(names = "--ratio", paramLabel = "C:Q", description = "chat:long_qa (config qa.mix.ratio, default 7:3).")
    String ratio;

    @Option(names = "--unit", paramLabel = "UNIT", description = "examples or loss_tokens (config qa.mix.unit, default examples).")
    String unit;

    @Override
    public Step step() {
      return new MixJob();
    }

    @Override
    public Config configure(Config base) {
      return base.withIfSet(StepExecution.TOKENIZER_KEY, tokenizer).withIfSet("qa.mix.ratio", ratio).withIfSet("qa.mix.unit", unit);
    }
  }
}
