package org.lwm.vqgan;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.lwm.core.cli.UserError;
import org.lwm.vqgan.dl4j.Dl4jVqgan;
import org.lwm.vqgan.model.Vqgan;
import org.lwm.vqgan.model.VqganConfig;
import org.lwm.vqgan.model.VqganEngine;
import org.lwm.vqgan.weights.Checkpoint;
import org.lwm.vqgan.weights.RandomWeights;

/**
 * Where a model comes from, by its spec: a checkpoint file (path, file://, s3a://, hdfs://; LWM's pickle or
 * safetensors) or {@code random:SEED} (LWM's architecture, seeded random weights) or {@code random:SEED:small}
 * (the same layout at a quarter of the channels: 32 base channels, same code grid and codebook) or
 * {@code random:SEED:tiny} (three levels of 32…64 channels: a 16×16 grid from 64×64 frames — for tests).
 * Models are kept once per JVM by spec, so every Spark task of an executor shares one.
 */
public final class VqganModels {
  private static final Map<String, Vqgan> LOADED = new ConcurrentHashMap<>();

  private VqganModels() {}

  /** The small architecture of {@code random:SEED:small}. */
  public static VqganConfig small() {
    return new VqganConfig(3, 32, new int[] {1, 2, 2, 4, 6}, 2, 64, 8192, 64);
  }

  /** The three-level architecture of {@code random:SEED:tiny}. */
  public static VqganConfig tiny() {
    return new VqganConfig(3, 32, new int[] {1, 2, 2}, 2, 64, 8192, 64);
  }

  /** {@code vqgan.engine}: {@code java} (the default, the project's own kernels) or {@code dl4j} (a DL4J graph on ND4J). */
  public static final String ENGINE_KEY = "vqgan.engine";

  /** The engine the config names, checked: one line naming the key when it is neither. */
  public static String engineName(org.lwm.core.config.Config config) {
    String e = config.get(ENGINE_KEY, "java");
    if (!e.equals("java") && !e.equals("dl4j")) throw new UserError(ENGINE_KEY + " must be java or dl4j, got '" + e + "'");
    return e;
  }

  /** The model for a spec on the config's engine, for encoding on this machine. */
  public static VqganEngine engine(String spec, org.lwm.core.config.Config config) {
    return engineName(config).equals("dl4j") ? new Dl4jVqgan(checkpoint(spec, null, false)) : get(spec);
  }

  public static Vqgan get(String spec) {
    return get(spec, null);
  }

  public static Vqgan get(String spec, Configuration hadoop) {
    return LOADED.computeIfAbsent(spec, s -> new Vqgan(checkpoint(s, hadoop, false)));
  }

  /** The checkpoint a spec names; random ones with or without the decoder's tensors. */
  public static Checkpoint checkpoint(String spec, Configuration hadoop, boolean withDecoder) {
    if (spec.startsWith("random:")) {
      String[] parts = spec.split(":");
      long seed;
      try {
        seed = Long.parseLong(parts[1]);
      } catch (RuntimeException e) {
        throw new UserError("checkpoint spec '" + spec + "' is not random:SEED[:small|:tiny]");
      }
      String arch = parts.length > 2 ? parts[2] : "lwm";
      VqganConfig c = switch (arch) {
        case "lwm" -> VqganConfig.lwm();
        case "small" -> small();
        case "tiny" -> tiny();
        default -> throw new UserError("checkpoint spec '" + spec + "' is not random:SEED[:small|:tiny]");
      };
      if (parts.length > 3) throw new UserError("checkpoint spec '" + spec + "' is not random:SEED[:small|:tiny]");
      return RandomWeights.create(c, seed, withDecoder);
    }
    return Checkpoint.read(localCopy(spec, hadoop));
  }

  /** Identity recorded in vision_tokens' properties: the spec for random weights, else the file's name and size. */
  public static String identity(String spec, Configuration hadoop) {
    if (spec.startsWith("random:")) return spec;
    try {
      org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(uri(spec));
      long len = p.getFileSystem(hadoop == null ? new Configuration() : hadoop).getFileStatus(p).getLen();
      return p.getName() + " (" + len + " bytes)";
    } catch (IOException e) {
      throw new UserError("checkpoint " + spec + " cannot be read: " + e.getMessage());
    }
  }

  /** A local file for the checkpoint: itself when local, else a copy in the temp folder (kept for the JVM). */
  static Path localCopy(String spec, Configuration hadoop) {
    String u = uri(spec);
    if (u.startsWith("file:")) return Path.of(URI.create(u));
    try {
      org.apache.hadoop.fs.Path src = new org.apache.hadoop.fs.Path(u);
      FileSystem fs = src.getFileSystem(hadoop == null ? new Configuration() : hadoop);
      Path tmp = Files.createTempFile("lwm-vqgan-", "-" + src.getName());
      tmp.toFile().deleteOnExit();
      try (InputStream in = fs.open(src)) {
        Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
      return tmp;
    } catch (IOException e) {
      throw new UserError("checkpoint " + spec + " cannot be read: " + e.getMessage());
    }
  }

  static String uri(String spec) {
    if (spec.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*") && !spec.matches("^[a-zA-Z]:\\\\.*")) return spec;
    return Path.of(spec).toAbsolutePath().normalize().toUri().toString();
  }
}
