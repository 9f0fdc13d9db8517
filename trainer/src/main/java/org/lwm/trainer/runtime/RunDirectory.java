package org.lwm.trainer.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.lwm.core.cli.UserError;
import org.lwm.core.spark.Hadoop;
import org.lwm.core.tensors.Safetensors;
import org.lwm.trainer.checkpoint.Checkpoint;
import org.lwm.trainer.model.Parameters;
import org.lwm.trainer.train.AdamW;

/**
 * A training run's directory on any Hadoop file system ({@code file:}, {@code s3a:}, {@code hdfs:}):
 * {@code metrics.jsonl}, {@code <stage>/checkpoint-<step>/} and {@code <stage>/final/} (HF {@code config.json} +
 * {@code model.safetensors}, {@code optimizer.safetensors}, {@code trainer_state.json} with step and reader
 * cursor), and {@code rows/<stage>.lwmrows}, the stage's rows for the readers. A checkpoint counts only once its
 * {@code COMPLETE} marker exists, written after every other file: a crash mid-write leaves one that is ignored.
 */
public final class RunDirectory {
  public static final String COMPLETE = "COMPLETE";
  private static final ObjectMapper JSON = new ObjectMapper();
  private final String root;

  public RunDirectory(String root) {
    this.root = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
  }

  public String root() {
    return root;
  }

  public String checkpoint(String stage, long step) {
    return root + "/" + stage + "/checkpoint-" + step;
  }

  public String finalCheckpoint(String stage) {
    return root + "/" + stage + "/final";
  }

  public String rows(String stage) {
    return root + "/rows/" + stage + ".lwmrows";
  }

  /** A complete checkpoint: where it is, its step and its reader cursor. */
  public record Saved(String uri, long step, String cursor) {}

  public boolean complete(String dir) {
    try {
      return Hadoop.fs(dir).exists(new Path(dir, COMPLETE));
    } catch (IOException e) {
      throw new UserError("cannot read " + dir + ": " + e.getMessage());
    }
  }

  /** The newest complete {@code checkpoint-<step>} of a stage, or null. */
  public Saved latest(String stage) {
    String dir = root + "/" + stage;
    try {
      FileSystem fs = Hadoop.fs(dir);
      if (!fs.exists(new Path(dir))) return null;
      long best = -1;
      for (FileStatus f : fs.listStatus(new Path(dir))) {
        String name = f.getPath().getName();
        if (!name.matches("checkpoint-\\d+")) continue;
        long step = Long.parseLong(name.substring(11));
        if (step > best && fs.exists(new Path(f.getPath(), COMPLETE))) best = step;
      }
      if (best < 0) return null;
      String uri = checkpoint(stage, best);
      JsonNode st = JSON.readTree(readBytes(fs, new Path(uri, "trainer_state.json")));
      return new Saved(uri, st.get("step").asLong(), st.get("reader_cursor").asText());
    } catch (IOException e) {
      throw new UserError("cannot list checkpoints in " + dir + ": " + e.getMessage());
    }
  }

  /** Writes a checkpoint: every file, then the marker (an earlier attempt's files at {@code dir} are replaced). */
  public static void write(String dir, Parameters params, AdamW opt, ObjectNode state) {
    java.nio.file.Path tmp = null;
    try {
      tmp = Files.createTempDirectory("lwm-ckpt-");
      Checkpoint.write(tmp, params);
      if (opt != null) {
        Map<String, Safetensors.Tensor> t = new LinkedHashMap<>();
        opt.m.named().forEach((n, a) -> t.put("exp_avg." + n, new Safetensors.Tensor(params.shape(n), a)));
        opt.v.named().forEach((n, a) -> t.put("exp_avg_sq." + n, new Safetensors.Tensor(params.shape(n), a)));
        Safetensors.write(tmp.resolve("optimizer.safetensors"), t, Map.of("step", Long.toString(opt.step)));
      }
      Files.writeString(tmp.resolve("trainer_state.json"), JSON.writeValueAsString(state));
      FileSystem fs = Hadoop.fs(dir);
      Path target = new Path(dir);
      fs.delete(target, true);
      fs.mkdirs(target);
      try (Stream<java.nio.file.Path> files = Files.list(tmp)) {
        for (java.nio.file.Path f : files.toList()) {
          fs.copyFromLocalFile(false, true, new Path(f.toUri()), new Path(target, f.getFileName().toString()));
        }
      }
      try (FSDataOutputStream m = fs.create(new Path(target, COMPLETE), true)) {
        m.write(("step " + state.path("step").asLong() + "\n").getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UserError("cannot write checkpoint " + dir + ": " + e.getMessage());
    } finally {
      deleteLocal(tmp);
    }
  }

  /** A checkpoint's parameters, and with {@code opt} its optimizer moments into {@code opt}. */
  public static Parameters read(String dir, AdamW opt) {
    java.nio.file.Path tmp = null;
    try {
      FileSystem fs = Hadoop.fs(dir);
      if (!fs.exists(new Path(dir, Checkpoint.WEIGHTS))) throw new UserError("checkpoint " + dir + ": no " + Checkpoint.WEIGHTS);
      tmp = Files.createTempDirectory("lwm-ckpt-");
      for (String name : new String[] {Checkpoint.CONFIG, Checkpoint.WEIGHTS, "optimizer.safetensors"}) {
        Path p = new Path(dir, name);
        if (fs.exists(p)) fs.copyToLocalFile(false, p, new Path(tmp.resolve(name).toUri()), true);
      }
      Parameters params = Checkpoint.read(tmp);
      if (opt != null) {
        Safetensors.Contents o = Safetensors.read(tmp.resolve("optimizer.safetensors"));
        for (Map.Entry<String, float[]> e : opt.m.named().entrySet()) {
          System.arraycopy(o.tensors().get("exp_avg." + e.getKey()).data(), 0, e.getValue(), 0, e.getValue().length);
        }
        for (Map.Entry<String, float[]> e : opt.v.named().entrySet()) {
          System.arraycopy(o.tensors().get("exp_avg_sq." + e.getKey()).data(), 0, e.getValue(), 0, e.getValue().length);
        }
      }
      return params;
    } catch (IOException e) {
      throw new UserError("cannot read checkpoint " + dir + ": " + e.getMessage());
    } finally {
      deleteLocal(tmp);
    }
  }

  /** Removes a stage's {@code checkpoint-*} folders except {@code keep} (null: all of them). */
  public void deleteCheckpoints(String stage, String keep) {
    String dir = root + "/" + stage;
    try {
      FileSystem fs = Hadoop.fs(dir);
      if (!fs.exists(new Path(dir))) return;
      for (FileStatus f : fs.listStatus(new Path(dir))) {
        if (f.getPath().getName().startsWith("checkpoint-") && (keep == null || !f.getPath().getName().equals(new Path(keep).getName()))) {
          fs.delete(f.getPath(), true);
        }
      }
    } catch (IOException e) {
      throw new UserError("cannot clean checkpoints in " + dir + ": " + e.getMessage());
    }
  }

  public void delete(String uri) {
    try {
      Hadoop.fs(uri).delete(new Path(uri), true);
    } catch (IOException e) {
      throw new UserError("cannot delete " + uri + ": " + e.getMessage());
    }
  }

  /** Appends lines to {@code metrics.jsonl} (rewriting it where the file system cannot append, as S3). */
  public void appendMetrics(String lines) {
    Path p = new Path(root + "/metrics.jsonl");
    try {
      FileSystem fs = Hadoop.fs(root);
      fs.mkdirs(p.getParent());
      byte[] add = lines.getBytes(StandardCharsets.UTF_8);
      if (!fs.exists(p)) {
        try (OutputStream out = fs.create(p, false)) {
          out.write(add);
        }
        return;
      }
      try (OutputStream out = fs.append(p)) {
        out.write(add);
      } catch (UnsupportedOperationException | IOException noAppend) {
        byte[] old = readBytes(fs, p);
        try (OutputStream out = fs.create(p, true)) {
          out.write(old);
          out.write(add);
        }
      }
    } catch (IOException e) {
      throw new UserError("cannot write " + p + ": " + e.getMessage());
    }
  }

  private static byte[] readBytes(FileSystem fs, Path p) throws IOException {
    try (InputStream in = fs.open(p)) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      in.transferTo(b);
      return b.toByteArray();
    }
  }

  private static void deleteLocal(java.nio.file.Path p) {
    if (p == null) return;
    try (Stream<java.nio.file.Path> s = Files.walk(p)) {
      for (java.nio.file.Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
    } catch (IOException ignored) {
      // a temp folder left behind is harmless
    }
  }
}
