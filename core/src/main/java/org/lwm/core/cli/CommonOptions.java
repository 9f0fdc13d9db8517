package org.lwm.core.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.lwm.core.config.Config;
import org.lwm.core.lake.Lake;
import picocli.CommandLine.Option;

/**
 * Options every job sub-command takes: add with {@code @Mixin CommonOptions common;}. The lake root
 * comes from {@code --lake}, else the config key {@code lake}, else {@code ./lake}.
 */
public final class CommonOptions {
  @Option(names = "--lake", paramLabel = "URI", description = "Lake root: a path, file://, s3a:// or hdfs:// URI (default: config 'lake' or ./lake).")
  String lake;

  @Option(names = "--config", paramLabel = "FILE", description = "YAML config file: a path or a Hadoop URI (s3a://…, hdfs://…).")
  String configFile;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config key (repeatable), e.g. --set spark.master=local[2].")
  Map<String, String> overrides = new LinkedHashMap<>();

  @Option(names = {"-v", "--verbose"}, description = "Show stack traces and Spark's own logs.")
  boolean verbose;

  private Config config;

  /** The config file with the {@code --set} overrides applied (loaded once). */
  public Config config() {
    if (config == null) {
      config = Config.load(configFile, overrides);
    }
    return config;
  }

  public Lake lake() {
    String root = lake != null ? lake : config().get("lake", "lake");
    return Lake.of(root);
  }

  /** The config file given with {@code --config} (a path or URI), or null. */
  public String configFile() {
    return configFile;
  }

  /** True when {@code --lake} was given on the command line. */
  public boolean lakeGiven() {
    return lake != null;
  }

  public boolean verbose() {
    return verbose;
  }
}
