package org.lwm.orchestration.pipeline;

import java.util.List;
import java.util.Map;

/**
 * One step of a pipeline: its {@code id}, the {@code job} it runs (a step name such as {@code qa generate}), the
 * config keys it overrides (flattened, variables substituted), the arguments of the job's sub-command and the ids
 * of the steps it runs after.
 */
public record PipelineStep(String id, String job, Map<String, String> config, List<String> args, List<String> after) {
  public PipelineStep {
    config = Map.copyOf(config);
    args = List.copyOf(args);
    after = List.copyOf(after);
  }
}
