package org.lwm.ingest;

import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.cli.CommandProvider;
import org.lwm.core.cli.CommonOptions;
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

  @Command(name = "books", description = "Books (.txt directory trees) into the 'books' table, deduplicated, with rejects.",
      mixinStandardHelpOptions = true)
  static final class Books implements Runnable {
    @Mixin CommonOptions common;

    @Option(names = "--input", required = true, paramLabel = "URI", description = "A directory of .txt files (path, file://, s3a://, hdfs://); repeatable.")
    List<String> inputs;

    @Override
    public void run() {
      SparkSession spark = SparkSessions.create("ingest books", common.config());
      common.lake().checkReadable(spark);
      JobCounts counts = BooksJob.run(spark, common.lake(), inputs, common.config());
      counts.print(System.out);
    }
  }
}
