package org.lwm.ingest;

import java.util.List;
import org.apache.spark.sql.SparkSession;
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
    subcommands = {IngestCommand.Books.class})
public final class IngestCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

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
}
