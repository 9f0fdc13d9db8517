package org.lwm.packing.lake;

import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.config.Config;
import org.lwm.core.lake.Lake;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.packing.format.FormatOptions;

/**
 * The demo's packing step: {@code examples} from whatever the earlier steps left in the lake (books, and QA, chat
 * and vision when present), then two stages for the trainer's demo: {@value #SHORT} (L = 2048) and {@value #LONG}
 * (L = 8192), QA chats packed apart from the rest.
 */
public final class PackDemo {
  public static final String SHORT = "2k";
  public static final String LONG = "8k";

  private PackDemo() {}

  public static void run(SparkSession spark, Lake lake, Path tokenizerModel, Config config) {
    SentencePieceTokenizer tokenizer = SentencePieceTokenizer.load(tokenizerModel);
    ExamplesJob.run(spark, lake, tokenizer, FormatOptions.defaults().withMaxFrames(config.getInt("pack.max_n_frames", -1)), config)
        .print(System.out);
    PackJob.run(spark, lake, StageSpec.of(SHORT, config, config.getInt("pack.stages.2k.seq_len", 2048), null,
        config.get("pack.stages.2k.separate", ExampleSources.LONG_QA), null), config).print(System.out);
    PackJob.run(spark, lake, StageSpec.of(LONG, config, config.getInt("pack.stages.8k.seq_len", 8192), null,
        config.get("pack.stages.8k.separate", ExampleSources.LONG_QA), null), config).print(System.out);
  }
}
