package org.lwm.vqgan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.lwm.core.cli.UserError;
import org.lwm.core.lake.JobCounts;
import org.lwm.vqgan.frames.DecodedFrame;
import org.lwm.vqgan.frames.ImageFiles;
import org.lwm.vqgan.frames.Sampling;
import org.lwm.vqgan.frames.VideoFrames;
import org.lwm.vqgan.model.FeatureMap;
import org.lwm.vqgan.model.Vqgan;
import org.lwm.vqgan.model.VqganEngine;

/**
 * {@code lwm vqgan encode} and {@code decode} without Spark: files on this machine to JSON lines of codes
 * ({@code {"image": "<file name>[#<frame index>]", "codes": [...]}}, row-major) and back to PNGs.
 */
public final class LocalEncode {
  public static final Set<String> VIDEO_EXTENSIONS = Set.of("mp4", "m4v", "mkv", "webm", "avi", "mov", "mpg", "mpeg", "flv", "wmv", "ts", "3gp", "ogv", "gif");
  private static final ObjectMapper JSON = new ObjectMapper();

  private LocalEncode() {}

  /** The image and video files under {@code input} (a file or a directory tree), sorted by path. */
  static List<Path> inputs(Path input) {
    if (!Files.exists(input)) throw new UserError("input " + input + " does not exist: pass --input DIR|FILE");
    if (Files.isRegularFile(input)) return List.of(input);
    try (Stream<Path> s = Files.walk(input)) {
      return s.filter(Files::isRegularFile).filter(p -> isImage(p) || isVideo(p)).sorted().toList();
    } catch (IOException e) {
      throw new UserError("input " + input + " cannot be listed: " + e.getMessage());
    }
  }

  static boolean isVideo(Path p) {
    String n = p.getFileName().toString().toLowerCase();
    return VIDEO_EXTENSIONS.contains(n.substring(n.lastIndexOf('.') + 1)) && !n.endsWith(".gif");
  }

  static boolean isImage(Path p) {
    return ImageFiles.isImage(p.getFileName().toString());
  }

  public static JobCounts encode(VqganEngine model, Path input, Path output, Sampling sampling, int size, int batch, PrintStream log) {
    JobCounts counts = new JobCounts("vqgan-encode");
    List<Path> files = inputs(input);
    counts.put("files", files.size());
    long frames = 0;
    long failed = 0;
    try (BufferedWriter out = Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        boolean video = !isImage(f);
        List<String> lines = new ArrayList<>();
        FrameEncoder enc = new FrameEncoder(model, size, batch, e -> lines.add(line(video ? name + "#" + e.index() : name, e.codes())));
        try {
          if (video) VideoFrames.read(f.toString(), sampling, enc::add);
          else enc.add(ImageFiles.read(f));
          enc.flush();
        } catch (VideoFrames.Failure e) {
          failed++;
          counts.add("rejected." + e.reason, 1);
          log.println("skipped " + f + ": " + e.reason + " (" + e.getMessage() + ")");
          continue;
        }
        for (String l : lines) {
          out.write(l);
          out.write('\n');
        }
        frames += lines.size();
        log.println(name + ": " + lines.size() + (video ? " frames" : " image"));
      }
    } catch (IOException e) {
      throw new UserError("cannot write " + output + ": " + e.getMessage());
    }
    counts.put("frames", frames).put("rejected", failed);
    return counts;
  }

  static String line(String image, int[] codes) {
    ObjectNode n = JSON.createObjectNode();
    n.put("image", image);
    var a = n.putArray("codes");
    for (int c : codes) a.add(c);
    return n.toString();
  }

  /** Each line's codes (a square grid) decoded to a PNG named after its "image" field. */
  public static JobCounts decode(Vqgan model, Path input, Path outDir, int batch, PrintStream log) {
    JobCounts counts = new JobCounts("vqgan-decode");
    List<String> names = new ArrayList<>();
    List<int[]> grids = new ArrayList<>();
    try (BufferedReader in = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
      String l;
      int lineNo = 0;
      while ((l = in.readLine()) != null) {
        lineNo++;
        if (l.isBlank()) continue;
        JsonNode n;
        try {
          n = JSON.readTree(l);
        } catch (IOException e) {
          throw new UserError(input + " line " + lineNo + " is not JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        JsonNode codes = n.path("codes");
        if (!codes.isArray() || codes.isEmpty()) throw new UserError(input + " line " + lineNo + " has no \"codes\" array");
        int[] c = new int[codes.size()];
        for (int i = 0; i < c.length; i++) c[i] = codes.get(i).asInt();
        int side = (int) Math.round(Math.sqrt(c.length));
        if (side * side != c.length) throw new UserError(input + " line " + lineNo + " has " + c.length + " codes, not a square grid");
        if (!grids.isEmpty() && grids.get(0).length != c.length) throw new UserError(input + " line " + lineNo + ": frames of different grid sizes");
        for (int v : c) {
          if (v < 0 || v >= model.config().numEmbeddings()) throw new UserError(input + " line " + lineNo + ": code " + v + " is outside the codebook (0…" + (model.config().numEmbeddings() - 1) + ")");
        }
        names.add(n.path("image").asText("line-" + lineNo));
        grids.add(c);
      }
    } catch (IOException e) {
      throw new UserError("cannot read " + input + ": " + e.getMessage());
    }
    try {
      Files.createDirectories(outDir);
      for (int from = 0; from < grids.size(); from += batch) {
        int n = Math.min(batch, grids.size() - from);
        int side = (int) Math.round(Math.sqrt(grids.get(from).length));
        FeatureMap images = model.decode(grids.subList(from, from + n).toArray(new int[0][]), side);
        for (int i = 0; i < n; i++) {
          Path png = outDir.resolve(names.get(from + i).replaceAll("[^A-Za-z0-9._-]", "_") + ".png");
          ImageIO.write(VqganImages.image(images, i), "png", png.toFile());
          log.println(png);
        }
      }
    } catch (IOException e) {
      throw new UserError("cannot write PNGs to " + outDir + ": " + e.getMessage());
    }
    counts.put("images", grids.size());
    return counts;
  }

  /** For tests: one image file through the same path as {@code encode}. */
  static int[] encodeImage(VqganEngine model, Path file, int size) throws VideoFrames.Failure {
    DecodedFrame f = ImageFiles.read(file);
    int[][] out = new int[1][];
    FrameEncoder enc = new FrameEncoder(model, size, 1, e -> out[0] = e.codes());
    enc.add(f);
    enc.flush();
    return out[0];
  }
}
