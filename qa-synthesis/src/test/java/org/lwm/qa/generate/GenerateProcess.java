package org.lwm.qa.generate;

import java.util.HashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.config.Config;
import org.lwm.core.lake.Lake;
import org.lwm.core.spark.SparkSessions;
import org.lwm.core.testing.TestSpark;

/** {@code lwm qa generate --generator openai} in a JVM of its own, for the kill-and-resume test. Args: LAKE BASE_URL KEY=VALUE... */
public final class GenerateProcess {
  private GenerateProcess() {}

  public static void main(String[] args) {
    Map<String, String> settings = new HashMap<>(TestSpark.config().asMap());
    settings.put("qa.openai.base_url", args[1]);
    settings.put("qa.openai.model", "local");
    for (int i = 2; i < args.length; i++) settings.put(args[i].substring(0, args[i].indexOf('=')), args[i].substring(args[i].indexOf('=') + 1));
    Config config = Config.of(settings);
    SparkSession spark = SparkSessions.create("generate process", config);
    System.out.println("generating");
    GenerateJob.run(spark, Lake.of(args[0]), "openai", config).print(System.out);
  }
}
