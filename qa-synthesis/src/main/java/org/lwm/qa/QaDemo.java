package org.lwm.qa;

import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.config.Config;
import org.lwm.core.lake.Lake;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.qa.assemble.AssembleJob;
import org.lwm.qa.chunk.ChunkJob;
import org.lwm.qa.generate.GenerateJob;
import org.lwm.qa.generate.QaGenerator;

/** The demo's QA step, after tokenize: chunk the sample, extractive QA, long QA at the demo's stage lengths (2K, 8K). */
public final class QaDemo {
  /** The demo's stage lengths: the packer's demo stages are 2K and 8K. */
  public static final List<Integer> LENGTHS = List.of(2048, 8192);

  private QaDemo() {}

  public static void run(SparkSession spark, Lake lake, String tokenizerModel, Config config) {
    SentencePieceTokenizer tokenizer = QaTables.loadTokenizer(spark, tokenizerModel);
    ChunkJob.run(spark, lake, tokenizer, config).print(System.out);
    QaGenerator extractive = GenerateJob.generator(spark, lake, "extractive", config);
    GenerateJob.run(spark, lake, extractive, config).print(System.out);
    AssembleJob.run(spark, lake, tokenizer, LENGTHS, extractive, config).print(System.out);
  }
}
