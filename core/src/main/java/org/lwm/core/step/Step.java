package org.lwm.core.step;

import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;

/**
 * One job of the pipeline, the same whichever way it is started: its CLI sub-command, {@code lwm run}, a
 * spark-submit of the fat jar or an Airflow task all end in {@link StepExecution#run}, which checks and records the
 * step's provenance around {@link #run}. A step says which lake tables it reads and writes and which config keys it
 * takes, so a pipeline can be validated before anything runs.
 */
public interface Step {
  /** The CLI path, e.g. {@code qa generate}: also the {@code job} of a pipeline step. */
  String name();

  /** One line for plans and {@code --help}. */
  String description();

  /** Lake tables this step reads (their Delta versions enter its fingerprint). */
  List<String> reads();

  /**
   * The tables among {@link #reads} that must exist before the step runs (a pipeline is refused when no earlier step
   * writes one and the lake lacks it); the rest are read when present. Default: all of them.
   */
  default List<String> requires() {
    return reads();
  }

  /** Lake tables this step writes ({@code rejects} included when it may reject). */
  List<String> writes();

  /** The config keys it takes, with defaults; a key ending in {@code .*} stands for every key under it. */
  List<ConfigKey> keys();

  /** The job itself: reads, transforms, writes, and counts what it did. Provenance is not its business. */
  JobCounts run(SparkSession spark, Lake lake, Config config);

  /** Where the step records its provenance when it is run outside a pipeline (default: its name). */
  default String scope(Config config) {
    return name().replace(' ', '-');
  }

  /**
   * A version of what the step reads outside the lake (source files, a checkpoint): it enters the fingerprint, so
   * changed sources make the step run again. Empty when the step reads only lake tables.
   */
  default String sourceVersion(SparkSession spark, Config config) {
    return "";
  }
}
