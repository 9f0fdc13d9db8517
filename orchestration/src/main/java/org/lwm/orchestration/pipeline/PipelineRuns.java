package org.lwm.orchestration.pipeline;

import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;

/**
 * The {@code pipeline_runs} table: one row per step of every {@code lwm run} (done, skipped or failed), appended as
 * the run goes, so a killed run leaves the history of what it finished. Rows of skipped steps wait for the next
 * step that runs (one Delta commit, not one per skip).
 */
final class PipelineRuns {
  static final StructType SCHEMA = new StructType()
      .add("run_id", DataTypes.StringType, false)
      .add("pipeline", DataTypes.StringType, false)
      .add("step", DataTypes.StringType, false)
      .add("job", DataTypes.StringType, false)
      .add("status", DataTypes.StringType, false)
      .add("started", DataTypes.TimestampType, false)
      .add("ended", DataTypes.TimestampType, false)
      .add("counts", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType), false)
      .add("error", DataTypes.StringType, true);

  private final SparkSession spark;
  private final Lake lake;
  private final String runId;
  private final String pipeline;
  private final List<Row> pending = new ArrayList<>();

  PipelineRuns(SparkSession spark, Lake lake, String runId, String pipeline) {
    this.spark = spark;
    this.lake = lake;
    this.runId = runId;
    this.pipeline = pipeline;
  }

  /** Queues a row; {@link #flush} writes the queue. */
  void add(String step, String job, String status, long startedMs, long endedMs, Map<String, Object> counts, String error) {
    Map<String, String> c = new LinkedHashMap<>();
    if (counts != null) counts.forEach((k, v) -> c.put(k, String.valueOf(v)));
    pending.add(RowFactory.create(runId, pipeline, step, job, status, new Timestamp(startedMs), new Timestamp(endedMs),
        c, error));
  }

  void flush() {
    if (pending.isEmpty()) return;
    lake.append(spark.createDataFrame(new ArrayList<>(pending), SCHEMA).coalesce(1), Tables.PIPELINE_RUNS);
    pending.clear();
  }
}
