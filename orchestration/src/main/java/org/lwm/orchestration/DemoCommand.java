package org.lwm.orchestration;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.cli.CommonOptions;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.spark.SparkSessions;
import org.lwm.ingest.BooksJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lwm demo}: the pipeline on the embedded sample (samples/), into a local lake. Each capability
 * adds its step here, in pipeline order.
 */
@Command(name = "demo", description = "Run the pipeline on the embedded sample into a local lake (default ./lake).",
    mixinStandardHelpOptions = true)
final class DemoCommand implements Runnable {
  @Mixin CommonOptions common;

  @Option(names = "--samples", paramLabel = "DIR", description = "The sample folder (default: samples/ beside ./lwm).")
  Path samples;

  @Override
  public void run() {
    Path dir = samples != null ? samples : Path.of(System.getProperty("lwm.home", ".")).resolve("samples");
    if (!Files.isDirectory(dir.resolve("books"))) {
      throw new UserError("sample folder " + dir.toAbsolutePath() + " has no books/: run from the repository root or pass --samples");
    }
    Config config = common.config();
    Lake lake = common.lake();
    SparkSession spark = SparkSessions.create("demo", config);
    lake.checkReadable(spark);
    System.out.println("lwm demo: lake " + lake);

    JobCounts books = BooksJob.run(spark, lake, List.of(dir.resolve("books").toString()), config);
    books.print(System.out);
    org.lwm.ingest.TokenizeJob.run(spark, lake, dir.resolve("tokenizer.model").toString(), false, config).print(System.out);
    org.lwm.qa.QaDemo.run(spark, lake, dir.resolve("tokenizer.model").toString(), config);
    // videos: short clips made here (under the lake root when it is local), probed by ingest, encoded to VQGAN codes with seeded weights
    Path clips = org.lwm.vqgan.VqganDemo.makeVideos(lake.isLocal()
        ? Path.of(java.net.URI.create(lake.root())).resolve("_demo_videos") : Path.of(System.getProperty("java.io.tmpdir"), "lwm-demo-videos"));
    Path captions = org.lwm.vqgan.VqganDemo.writeCaptions(clips);
    org.lwm.ingest.video.VideosJob.run(spark, lake, List.of(clips.toString()), captions.toString(), config).print(System.out);
    org.lwm.vqgan.VqganDemo.encode(spark, lake, config).print(System.out);

    // after every step that writes examples' sources (books, QA, chat, vision): examples, then stages 2k and 8k
    org.lwm.packing.lake.PackDemo.run(spark, lake, dir.resolve("tokenizer.model"), config);

    // trainer: a small model through the packed stages (shortest first, θ growing, sp = 4 ring workers), then a needle eval
    org.lwm.trainer.demo.TrainerDemo.run(spark, lake, dir.resolve("tokenizer.model"), config);

    System.out.println("done: look inside with ./lwm lake ls" + (common.lake().root().equals(Lake.of("lake").root()) ? "" : " --lake " + lake));
  }
}
