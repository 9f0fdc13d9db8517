package org.lwm.trainer.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lwm.core.cli.UserError;

/** A run's {@code metrics.jsonl} read back: one {@link StepMetrics} per line, as {@link StepMetrics#toJson} wrote it. */
public final class MetricsFile {
  private static final ObjectMapper JSON = new ObjectMapper();

  private MetricsFile() {}

  public static List<StepMetrics> read(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException e) {
      throw new UserError("cannot read " + file + ": " + e.getMessage());
    }
    List<StepMetrics> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).isBlank()) continue;
      try {
        out.add(parse(JSON.readTree(lines.get(i))));
      } catch (IOException | RuntimeException e) {
        throw new UserError(file + " line " + (i + 1) + " is not a metrics line: " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
      }
    }
    return out;
  }

  static StepMetrics parse(JsonNode n) {
    if (!n.hasNonNull("stage") || !n.hasNonNull("step") || !n.hasNonNull("loss")) throw new IllegalArgumentException("needs stage, step and loss");
    boolean text = n.hasNonNull("text_loss");
    boolean vision = n.hasNonNull("vision_loss");
    return new StepMetrics(n.get("stage").asText(), n.get("step").asInt(), 0, n.get("loss").asDouble(),
        text ? n.get("text_loss").asDouble() : Double.NaN, vision ? n.get("vision_loss").asDouble() : Double.NaN, text, vision,
        n.path("lr").asDouble(), n.path("grad_norm").asDouble(), n.path("tokens").asLong(), n.path("seconds").asDouble(),
        n.path("compute_s").asDouble(), n.path("wait_s").asDouble());
  }
}
