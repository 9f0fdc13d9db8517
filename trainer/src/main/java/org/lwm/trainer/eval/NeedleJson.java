package org.lwm.trainer.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.lwm.core.cli.UserError;

/**
 * {@code needle.json}: the needle eval's grid ({@code lengths}, {@code depths}, {@code accuracy[length][depth]},
 * {@code mean}, and the settings {@code needles}, {@code asked}, {@code seeds}), written by the eval and read
 * back by reports and notebooks.
 */
public final class NeedleJson {
  private NeedleJson() {}

  public static void write(NeedleEval.Result r, NeedleEval.Settings s, Path file) throws IOException {
    StringBuilder json = new StringBuilder("{\"lengths\":").append(Arrays.toString(r.lengths()))
        .append(",\"depths\":").append(Arrays.toString(r.depths())).append(",\"needles\":").append(s.needles())
        .append(",\"asked\":").append(s.asked()).append(",\"seeds\":").append(s.seeds()).append(",\"accuracy\":[");
    for (int l = 0; l < r.lengths().length; l++) json.append(l == 0 ? "" : ",").append(Arrays.toString(r.accuracy()[l]));
    json.append("],\"mean\":").append(r.mean()).append("}\n");
    Files.writeString(file, json);
  }

  /** The grid of a needle.json (sample answers are not stored: empty). */
  public static NeedleEval.Result read(Path file) {
    JsonNode n;
    try {
      n = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new UserError("cannot read " + file + ": " + e.getMessage().lines().findFirst().orElse(""));
    }
    int[] lengths = ints(n.path("lengths"), file, "lengths");
    int[] depths = ints(n.path("depths"), file, "depths");
    JsonNode acc = n.path("accuracy");
    if (!acc.isArray() || acc.size() != lengths.length) throw new UserError(file + ": \"accuracy\" needs one row per length");
    double[][] a = new double[lengths.length][depths.length];
    String[][] answers = new String[lengths.length][depths.length];
    for (int l = 0; l < lengths.length; l++) {
      if (acc.get(l).size() != depths.length) throw new UserError(file + ": \"accuracy\" row " + l + " needs one value per depth");
      for (int d = 0; d < depths.length; d++) {
        a[l][d] = acc.get(l).get(d).asDouble();
        answers[l][d] = "";
      }
    }
    return new NeedleEval.Result(lengths, depths, a, answers);
  }

  private static int[] ints(JsonNode a, Path file, String field) {
    if (!a.isArray() || a.isEmpty()) throw new UserError(file + " has no \"" + field + "\" array");
    int[] out = new int[a.size()];
    for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
    return out;
  }
}
