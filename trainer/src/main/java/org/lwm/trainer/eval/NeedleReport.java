package org.lwm.trainer.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.lwm.core.cli.UserError;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.trainer.model.Parameters;

/** Runs the needle grid and writes {@code needle.json} and {@code needle.png} into an output directory. */
public final class NeedleReport {
  private NeedleReport() {}

  public static NeedleEval.Result run(Parameters model, SentencePieceTokenizer tok, String haystack, NeedleEval.Settings s, Path output) {
    NeedleEval.Result r = new NeedleEval(model, tok, haystack).run(s);
    try {
      Files.createDirectories(output);
      NeedleJson.write(r, s, output.resolve("needle.json"));
      Heatmap.write(r, output.resolve("needle.png"));
    } catch (IOException e) {
      throw new UserError("cannot write the needle report into " + output + ": " + e.getMessage());
    }
    return r;
  }
}
