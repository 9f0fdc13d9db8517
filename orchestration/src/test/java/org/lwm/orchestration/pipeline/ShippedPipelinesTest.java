package org.lwm.orchestration.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.lwm.trainer.train.TrainConfig;

/**
 * The pipelines shipped in pipelines/ at the paper's sizes (DESIGN §7): their training YAMLs load as the trainer
 * reads them and hold LWM's stages.
 */
class ShippedPipelinesTest {
  static Path repo(String path) {
    return Path.of(System.getProperty("lwm.repo.root")).resolve(path);
  }

  record Stage(String name, int seqLen, double theta, int steps, long tokensPerBatch, String schedule, String data) {}

  static List<Stage> stages(TrainConfig c) {
    return c.stages().stream().map(s -> new Stage(s.name(), s.seqLen(), s.ropeTheta(), s.steps(), (long) s.seqLen() * s.sequencesPerStep(),
        s.schedule().kind(), s.packedStage())).toList();
  }

  @Test
  void textStagesAreThePapers() {
    TrainConfig c = TrainConfig.load(repo("pipelines/lwm-text-train.yaml"));
    long batch = 4L << 20; // 4M tokens
    assertEquals(List.of(
        new Stage("32k", 32 << 10, 1e6, 1200, batch, "constant", "32k"),
        new Stage("128k", 128 << 10, 1e7, 3000, batch, "constant", "128k"),
        new Stage("256k", 256 << 10, 1e7, 3000, batch, "constant", "256k"),
        new Stage("512k", 512 << 10, 2.5e7, 720, batch, "constant", "512k"),
        new Stage("1m", 1 << 20, 5e7, 450, batch, "constant", "1m")), stages(c));
    c.stages().forEach(s -> assertEquals(4e-5, s.schedule().lr(), s.name()));
  }

  @Test
  void visionStagesHaveThePapersLengthsThetaAndBatch() {
    TrainConfig c = TrainConfig.load(repo("pipelines/lwm-vision-train.yaml"));
    List<Stage> got = stages(c);
    assertEquals(List.of(1 << 10, 8 << 10, 32 << 10, 128 << 10, 1 << 20), got.stream().map(Stage::seqLen).toList());
    for (Stage s : got) {
      assertEquals(5e7, s.theta(), s.name());
      assertEquals(8L << 20, s.tokensPerBatch(), s.name());
      assertEquals("cosine", s.schedule(), s.name());
      assertEquals(s.name(), s.data(), "each stage reads its own packed partition");
    }
  }
}
