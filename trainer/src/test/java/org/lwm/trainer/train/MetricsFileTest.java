package org.lwm.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.core.cli.UserError;

class MetricsFileTest {
  @TempDir Path tmp;

  @Test
  void readsBackWhatStepMetricsWrites() throws Exception {
    StepMetrics a = new StepMetrics("2k", 1, 8, 9.5, 9.25, 9.75, true, true, 1e-3, 2.5, 4096, 2.0, 1.5, 0.5);
    StepMetrics b = new StepMetrics("8k", 2, 3, 8.0, 8.0, 0, true, false, 2e-4, 1.5, 8192, 4.0, 3.0, 1.0);
    Path f = tmp.resolve("metrics.jsonl");
    Files.writeString(f, a.toJson() + "\n" + b.toJson() + "\n");
    List<StepMetrics> m = MetricsFile.read(f);
    assertEquals(2, m.size());
    assertEquals("2k", m.get(0).stage());
    assertEquals(9.25, m.get(0).textLoss());
    assertEquals(9.75, m.get(0).visionLoss());
    assertEquals(2048.0, m.get(0).tokensPerSecond(), 1e-9);
    assertFalse(m.get(1).hasVision());
    assertTrue(Double.isNaN(m.get(1).visionLoss()));
    assertEquals(2e-4, m.get(1).lr());
  }

  @Test
  void aBrokenLineIsOneLineError() throws Exception {
    Path f = tmp.resolve("metrics.jsonl");
    Files.writeString(f, "{\"stage\":\"2k\"}\n");
    UserError e = assertThrows(UserError.class, () -> MetricsFile.read(f));
    assertTrue(e.getMessage().contains("line 1"), e.getMessage());
  }
}
