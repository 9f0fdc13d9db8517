package org.lwm.ingest;

import java.util.List;
import org.lwm.core.cli.CommandGroup;
import org.lwm.core.cli.CommandProvider;
import org.lwm.core.cli.StepCommand;
import org.lwm.core.config.Config;
import org.lwm.core.step.Step;
import org.lwm.core.step.StepExecution;
import org.lwm.core.step.StepProvider;
import org.lwm.ingest.chat.ChatJob;
import org.lwm.ingest.video.VideosJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lwm ingest ...}: sources into the lake. */
@Command(name = "ingest", description = "Read books, chat data and videos into the lake.", mixinStandardHelpOptions = true,
    subcommands = {IngestCommand.Books.class, IngestCommand.Chat.class, IngestCommand.Videos.class, IngestCommand.Tokenize.class})
public final class IngestCommand extends CommandGroup {

  /** Registers {@code ingest} with the {@code lwm} command. */
  public static final class Provider implements CommandProvider {
    @Override
    public Object command() {
      return new IngestCommand();
    }
  }

  /** The ingest jobs as pipeline steps. */
  public static final class Steps implements StepProvider {
    @Override
    public List<Step> steps() {
      return List.of(new BooksJob(), new TokenizeJob(), new ChatJob(), new VideosJob());
    }
  }

  @Command(name = "books", mixinStandardHelpOptions = true,
      description = {"Books into the 'books' table: one row per distinct text, exact and near duplicates and bad inputs recorded in 'rejects'.",
          "Formats (by file name): .txt; .tar, .tar.gz, .tgz of .txt files (streamed); .jsonl, .jsonl.gz, .jsonl.zst in the Pile format"
              + " ({\"text\": ..., \"meta\": {\"title\": ...}}); .parquet with a text column.",
          "Limits: one book, tar entry or JSON line holds at most ingest.max_book_bytes (default 64 MiB); larger ones are rejected as too-large."})
  static final class Books extends StepCommand {
    @Option(names = "--input", paramLabel = "URI",
        description = "A file or directory tree (path, file://, s3a://, hdfs://); repeatable.")
    List<String> inputs;

    @Option(names = "--text-column", paramLabel = "NAME", description = "Parquet: the column holding the text (config ingest.text_column; default: text).")
    String textColumn;

    @Option(names = "--title-column", paramLabel = "NAME", description = "Parquet: the column holding the title, if any (default: title).")
    String titleColumn;

    @Override
    public Step step() {
      return new BooksJob();
    }

    @Override
    public Config configure(Config base) {
      return base.withList(BooksJob.INPUT, inputs).withIfSet("ingest.text_column", textColumn).withIfSet("ingest.title_column", titleColumn);
    }
  }

  @Command(name = "chat", mixinStandardHelpOptions = true,
      description = {"General chat data into the 'chat' table (example_id, turns[role, content], source, format, id), one row per distinct conversation.",
          "Inputs: .jsonl, .jsonl.gz, .jsonl.zst or .parquet files or directory trees."})
  static final class Chat extends StepCommand {
    @Option(names = "--input", paramLabel = "URI", description = "A file or directory tree (path, file://, s3a://, hdfs://); repeatable.")
    List<String> inputs;

    @Option(names = "--format", paramLabel = "FORMAT",
        description = "ultrachat ({\"id\", \"data\": [user, assistant, ...]}), sharegpt ({\"conversations\": [{\"from\", \"value\"}]}), "
            + "messages ({\"messages\": [{\"role\", \"content\"}]}) or auto (by the fields of each line; default).")
    String format;

    @Override
    public Step step() {
      return new ChatJob();
    }

    @Override
    public Config configure(Config base) {
      return base.withList(ChatJob.INPUT, inputs).withIfSet(ChatJob.FORMAT, format);
    }
  }

  @Command(name = "videos", mixinStandardHelpOptions = true,
      description = {"Video files (mp4, mkv, webm, avi, mov, ...) probed with FFmpeg into the 'videos' table",
          "(video_id = SHA-256 of the file, uri, duration_s, fps, width, height, codec, n_frames, size_bytes, captions, qa);",
          "unreadable, truncated and empty files go to 'rejects' with FFmpeg's reason."})
  static final class Videos extends StepCommand {
    @Option(names = "--input", paramLabel = "URI", description = "A video file or directory tree (path, file://, s3a://, hdfs://); repeatable.")
    List<String> inputs;

    @Option(names = "--captions", paramLabel = "FILE",
        description = "Captions/QA sidecar keyed by file name: JSON lines {\"file\", \"caption\", \"qa\": [{\"question\", \"answer\"}]} or CSV file,caption[,question,answer].")
    String captions;

    @Override
    public Step step() {
      return new VideosJob();
    }

    @Override
    public Config configure(Config base) {
      return base.withList(VideosJob.INPUT, inputs).withIfSet(VideosJob.CAPTIONS, captions);
    }
  }

  @Command(name = "tokenize", mixinStandardHelpOptions = true,
      description = {"Encode every book of 'books' into 'book_tokens' (book_id, tokens, n_tokens) with a SentencePiece tokenizer.model.",
          "The tokenizer's identity (SHA-256 of the model) is kept in the table's properties; another tokenizer is refused unless --overwrite."})
  static final class Tokenize extends StepCommand {
    @Option(names = "--tokenizer", paramLabel = "FILE", description = "The tokenizer.model (path or s3a://, hdfs:// URI).")
    String tokenizer;

    @Option(names = "--overwrite", description = "Re-tokenize every book, replacing a table made with another tokenizer.")
    boolean overwrite;

    @Override
    public Step step() {
      return new TokenizeJob();
    }

    @Override
    public Config configure(Config base) {
      Config c = base.withIfSet(StepExecution.TOKENIZER_KEY, tokenizer);
      return overwrite ? c.with(TokenizeJob.OVERWRITE, "true") : c;
    }
  }
}
