package org.lwm.trainer.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.core.records.SequenceLayout;
import org.lwm.core.spark.Hadoop;
import org.lwm.trainer.model.ModelConfig;
import org.lwm.trainer.model.SequenceParallel;

/**
 * A staged training run from YAML ({@code lwm train --config FILE}):
 * <pre>
 * output: runs/demo            # checkpoints per stage and metrics.jsonl
 * lake: ./lake                 # for stages reading the packed table
 * seed: 0
 * model: {checkpoint: DIR}     # or config.json keys to initialise (hidden_size: 128, ...)
 * parallel: {dp: 1, sp: 4, layout: zigzag, query_chunk: 512, key_chunk: 512, recompute: false,
 *            attempts: 3, peer_timeout_s: 600}   # dp × sp ranks: threads (local master) or barrier tasks
 * optimizer: {beta1: 0.9, beta2: 0.95, eps: 1.0e-8, weight_decay: 0.1, clip: 1.0}
 * checkpoint_every: 10
 * stages:
 *   - {name: s2k, seq_len: 2048, rope_theta: 1.0e4, steps: 20, sequences_per_step: 4, micro_batch: 2,
 *      lr: 3.0e-4, end_lr: 3.0e-5, warmup_steps: 2, schedule: cosine, data: {packed_stage: s2k}}
 *   - {name: s8k, seq_len: 8192, rope_theta: 1.0e5, ..., data: {jsonl: rows-8k.jsonl}}
 * </pre>
 * Each stage starts from the previous stage's final checkpoint. {@code output} may be a path or a Hadoop URI
 * ({@code s3a://}, {@code hdfs://}). {@code attempts}: how many times a failed gang of ranks is restarted from the
 * last complete checkpoint; {@code peer_timeout_s}: how long a rank waits for a silent ring peer.
 */
public record TrainConfig(String output, String lake, long seed, Path initCheckpoint, ModelConfig initModel,
    SequenceParallel.Options parallel, int dp, int attempts, double peerTimeoutSeconds, double beta1, double beta2,
    double eps, double weightDecay, double clip, int checkpointEvery, List<Stage> stages) {

  /** A single data-parallel rank, three attempts, a ten-minute peer timeout. */
  public TrainConfig(Path output, String lake, long seed, Path initCheckpoint, ModelConfig initModel,
      SequenceParallel.Options parallel, double beta1, double beta2, double eps, double weightDecay, double clip,
      int checkpointEvery, List<Stage> stages) {
    this(output.toAbsolutePath().toString(), lake, seed, initCheckpoint, initModel, parallel, 1, 3, 600, beta1, beta2, eps,
        weightDecay, clip, checkpointEvery, stages);
  }

  /** One stage; {@code packedStage} or {@code jsonl} names its data. */
  public record Stage(String name, int seqLen, double ropeTheta, int steps, int sequencesPerStep, int microBatch,
      Schedule schedule, String packedStage, Path jsonl) {}

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  public static TrainConfig load(Path file) {
    return load(file.toString());
  }

  /** From a path or a Hadoop URI ({@code s3a://…/train.yaml}, as a spark-submit job on a cluster is given it). */
  public static TrainConfig load(String location) {
    JsonNode root;
    try {
      root = YAML.readTree(Config.readText(location));
    } catch (IOException e) {
      throw new UserError("training config " + location + " is not valid YAML: " + e.getMessage().split("\n")[0]);
    }
    if (root == null || !root.isObject()) throw new UserError("training config " + location + " must be a YAML mapping");
    boolean remote = Hadoop.isRemote(location);
    Path base = remote ? null : Path.of(location).toAbsolutePath().getParent();
    String where = "training config " + location;
    if (!root.hasNonNull("output")) throw new UserError(where + ": 'output' (the run directory) is required");
    String outText = root.get("output").asText();
    String output = outText.matches("[A-Za-z][A-Za-z0-9+.-]*://.*") ? outText
        : remote ? location.substring(0, location.lastIndexOf('/') + 1) + outText : base.resolve(outText).toString();
    JsonNode model = root.path("model");
    Path init = model.hasNonNull("checkpoint") ? localPath(base, model.get("checkpoint").asText(), where + ": model.checkpoint") : null;
    ModelConfig initModel = init == null ? ModelConfig.fromConfig(Config.of(flat(model))) : null;
    JsonNode par = root.path("parallel");
    SequenceLayout layout;
    try {
      layout = SequenceLayout.parse(par.path("layout").asText("zigzag"));
    } catch (IllegalArgumentException e) {
      throw new UserError(where + ": parallel.layout: " + e.getMessage());
    }
    SequenceParallel.Options parallel = new SequenceParallel.Options(par.path("sp").asInt(1), layout,
        par.path("query_chunk").asInt(512), par.path("key_chunk").asInt(512), par.path("loss_chunk").asInt(256),
        par.path("recompute").asBoolean(false));
    int dp = par.path("dp").asInt(1), attempts = par.path("attempts").asInt(3);
    if (dp < 1 || parallel.sp() < 1) throw new UserError(where + ": parallel.dp and parallel.sp must be positive");
    if (attempts < 1) throw new UserError(where + ": parallel.attempts must be at least 1");
    JsonNode opt = root.path("optimizer");
    JsonNode stagesNode = root.path("stages");
    if (!stagesNode.isArray() || stagesNode.isEmpty()) throw new UserError(where + ": 'stages' must list at least one stage");
    List<Stage> stages = new ArrayList<>();
    for (JsonNode s : stagesNode) {
      String name = s.path("name").asText(null);
      if (name == null || !name.matches("[A-Za-z0-9_.-]+")) {
        throw new UserError(where + ": every stage needs a 'name' of letters, digits, '_', '.', '-'");
      }
      String at = where + ", stage " + name;
      int seqLen = need(s, "seq_len", at), steps = need(s, "steps", at);
      int perStep = s.path("sequences_per_step").asInt(1), micro = s.path("micro_batch").asInt(perStep);
      if (micro < 1 || perStep % micro != 0) {
        throw new UserError(at + ": micro_batch " + micro + " must divide sequences_per_step " + perStep);
      }
      if (perStep % dp != 0) {
        throw new UserError(at + ": sequences_per_step " + perStep + " must be a multiple of parallel.dp " + dp
            + " (every data-parallel rank takes the same number of rows)");
      }
      double lr = s.path("lr").asDouble(3e-4);
      Schedule sched = new Schedule(s.path("schedule").asText("cosine"), lr, s.path("end_lr").asDouble(lr * 0.1),
          s.path("warmup_steps").asInt(0), steps);
      JsonNode data = s.path("data");
      String packed = data.hasNonNull("packed_stage") ? data.get("packed_stage").asText() : null;
      Path jsonl = data.hasNonNull("jsonl") ? localPath(base, data.get("jsonl").asText(), at + ": data.jsonl") : null;
      if ((packed == null) == (jsonl == null)) {
        throw new UserError(at + ": 'data' needs exactly one of packed_stage (a stage of the lake's packed table) or jsonl (a file)");
      }
      stages.add(new Stage(name, seqLen, s.path("rope_theta").asDouble(10000.0), steps, perStep, micro, sched, packed, jsonl));
    }
    return new TrainConfig(output, root.path("lake").asText("lake"), root.path("seed").asLong(0), init, initModel, parallel,
        dp, attempts, par.path("peer_timeout_s").asDouble(600), opt.path("beta1").asDouble(0.9), opt.path("beta2").asDouble(0.95), opt.path("eps").asDouble(1e-8),
        opt.path("weight_decay").asDouble(0.1), opt.path("clip").asDouble(1.0), root.path("checkpoint_every").asInt(50), stages);
  }

  /** A local file named in the config: relative to a local config's directory; absolute when the config is remote. */
  private static Path localPath(Path base, String value, String what) {
    Path p = Path.of(value);
    if (base != null) return base.resolve(p);
    if (!p.isAbsolute()) {
      throw new UserError(what + " '" + value + "' must be an absolute local path when the training config is not a local file");
    }
    return p;
  }

  private static int need(JsonNode s, String key, String at) {
    if (!s.path(key).canConvertToInt() || s.path(key).asInt() < 1) throw new UserError(at + ": '" + key + "' must be a positive integer");
    return s.path(key).asInt();
  }

  private static Map<String, String> flat(JsonNode model) {
    Map<String, String> m = new LinkedHashMap<>();
    model.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
    return m;
  }

  /** The same run writing into another directory. */
  public TrainConfig withOutput(String dir) {
    String out = Hadoop.isRemote(dir) || dir.startsWith("file:") ? dir : Path.of(dir).toAbsolutePath().toString();
    return new TrainConfig(out, lake, seed, initCheckpoint, initModel, parallel, dp, attempts, peerTimeoutSeconds, beta1, beta2,
        eps, weightDecay, clip, checkpointEvery, stages);
  }

  public int stageIndex(String name) {
    for (int i = 0; i < stages.size(); i++) if (stages.get(i).name().equals(name)) return i;
    List<String> names = new ArrayList<>();
    for (Stage s : stages) names.add(s.name());
    throw new UserError("no stage named '" + name + "': the config has " + names);
  }
}
