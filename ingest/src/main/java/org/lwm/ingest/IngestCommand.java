package org.lwm.ingest;

import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.cli.CommandGroup;
import org.lwm.core.cli.CommandProvider;
import org.lwm.core.cli.CommonOptions;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.spark.SparkSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

  @Command(name = "books", mixinStandardHelpOptions = true,
      description = {"Books into the 'books' table: one row per distinct text, exact and near duplicates and bad inputs recorded in 'rejects'.",
          "Formats (by file name): .txt; .tar, .tar.gz, .tgz of .txt files (streamed); .jsonl, .jsonl.gz, .jsonl.zst in the Pile format"
              + " ({\"text\": ..., \"meta\": {\"title\": ...}}); .parquet with a text column.",
          "Limits: one book, tar entry or JSON line holds at most ingest.max_book_bytes (default 64 MiB); larger ones are rejected as too-large."})
  static final class Books implements Runnable {
    @Mixin CommonOptions common;

    @Option(names = "--input", required = true, paramLabel = "URI",
        description = "A file or directory tree (path, file://, s3a://, hdfs://); repeatable.")
    List<String> inputs;

    @Option(names = "--text-column", paramLabel = "NAME", description = "Parquet: the column holding the text (default: text).")
    String textColumn;

    @Option(names = "--title-column", paramLabel = "NAME", description = "Parquet: the column holding the title, if any (default: title).")
    String titleColumn;

    @Override
    public void run() {
      Config config = common.config();
      if (textColumn != null) config = config.with("ingest.text_column", textColumn);
      if (titleColumn != null) config = config.with("ingest.title_column", titleColumn);
      SparkSession spark = SparkSessions.create("ingest books", config);
      common.lake().checkReadable(spark);
      JobCounts counts = BooksJob.run(spark, common.lake(), inputs, config);
      counts.print(System.out);
    }
  }

  @Command(name = "chat", mixinStandardHelpOptions = true,
      description = {"General chat data into the 'chat' table (example_id, turns[role, content], source, format, id), one row per distinct conversation.",
          "Inputs: .jsonl, .jsonl.gz, .jsonl.zst or .parquet files or directory trees."})
  static final class Chat implements Runnable {
    @Mixin CommonOptions common;

    @Option(names = "--input", required = true, paramLabel = "URI", description = "A file or directory tree (path, file://, s3a://, hdfs://); repeatable.")
    List<String> inputs;

    @Option(names = "--format", defaultValue = "auto", paramLabel = "FORMAT",
        description = "ultrachat ({\"id\", \"data\": [user, assistant, ...]}), sharegpt ({\"conversations\": [{\"from\", \"value\"}]}), "
            + "messages ({\"messages\": [{\"role\", \"content\"}]}) or auto (by the fields of each line; default).")
    String format;

    @Override
    public void run() {
      SparkSession spark = SparkSessions.create("ingest chat", common.config());
      common.lake().checkReadable(spark);
      org.lwm.ingest.chat.ChatJob.run(spark, common.lake(), inputs, format, common.config()).print(System.out);
    }
  }

  @Command(name = "videos", mixinStandardHelpOptions = true,
      description = {"Video files (mp4, mkv, webm, avi, mov, ...) probed with FFmpeg into the 'videos' table",
          "(video_id = SHA-256 of the file, uri, duration_s, fps, width, height, codec, n_frames, size_bytes, captions, qa);",
          "unreadable, truncated and empty files go to 'rejects' with FFmpeg's reason."})
  static final class Videos implements Runnable {
    @Mixin CommonOptions common;

    @Option(names = "--input", required = true, paramLabel = "URI", description = "A video file or directory tree (path, file://, s3a://, hdfs://); repeatable.")
    List<String> inputs;

    @Option(names = "--captions", paramLabel = "FILE",
        description = "Captions/QA sidecar keyed by file name: JSON lines {\"file\", \"caption\", \"qa\": [{\"question\", \"answer\"}]} or CSV file,caption[,question,answer].")
    String captions;

    @Override
    public void run() {
      SparkSession spark = SparkSessions.create("ingest videos", common.config());
      common.lake().checkReadable(spark);
      org.lwm.ingest.video.VideosJob.run(spark, common.lake(), inputs, captions, common.config()).print(System.out);
    }
  }

  @Command(name = "tokenize", mixinStandardHelpOptions = true,
      description = {"Encode every book of 'books' into 'book_tokens' (book_id, tokens, n_tokens) with a SentencePiece tokenizer.model.",
          "The tokenizer's identity (SHA-256 of the model) is kept in the table's properties; another tokenizer is refused unless --overwrite."})
  static final class Tokenize implements Runnable {
    @Mixin CommonOptions common;

    @Option(names = "--tokenizer", required = true, paramLabel = "FILE", description = "The tokenizer.model (path or s3a://, hdfs:// URI).")
    String tokenizer;

    @Option(names = "--overwrite", description = "Re-tokenize every book, replacing a table made with another tokenizer.")
    boolean overwrite;

    @Override
    public void run() {
      SparkSession spark = SparkSessions.create("ingest tokenize", common.config());
      common.lake().checkReadable(spark);
      TokenizeJob.run(spark, common.lake(), tokenizer, overwrite, common.config()).print(System.out);
    }
  }
}
