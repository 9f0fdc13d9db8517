package org.lwm.trainer.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.core.records.SequenceLayout;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.trainer.cli.EvalCommand;
import org.lwm.trainer.model.ModelConfig;
import org.lwm.trainer.model.Parameters;
import org.lwm.trainer.model.SequenceParallel;

class NeedleEvalTest {
  @TempDir Path tmp;

  static SentencePieceTokenizer tokenizer() {
    return SentencePieceTokenizer.load(Path.of(System.getProperty("lwm.repo.root", "."), "samples/tokenizer.model"));
  }

  static String haystack() throws Exception {
    Path books = Path.of(System.getProperty("lwm.repo.root", "."), "samples/books");
    try (var files = Files.list(books)) {
      return Files.readString(files.sorted().findFirst().orElseThrow());
    }
  }

  @Test
  void needlesSitAtSentenceEndsAtTheirDepthAndTheQuestionEndsThePrompt() throws Exception {
    SentencePieceTokenizer tok = tokenizer();
    Parameters model = Parameters.init(new ModelConfig(tok.vocabSize(), 0, 16, 32, 1, 2, 2, 1e4, 1e-5, 4096), 1);
    NeedleEval eval = new NeedleEval(model, tok, haystack());
    int[] hay = eval.haystackTokens(512);
    for (int depth : new int[] {0, 50, 100}) {
      NeedleEval.Trial t = eval.trial(hay, 512, depth, 2, 1, 12, new Random(depth));
      assertTrue(t.prompt().length <= 512 - 12, "prompt fits the context with room to answer: " + t.prompt().length);
      String text = tok.decode(t.prompt());
      String number = t.askedNumbers().get(0);
      int at = text.indexOf("The special magic");
      assertTrue(at >= 0 && text.contains(" number is: " + number + "."), text);
      assertTrue(text.trim().endsWith("number is:"), "the prompt ends with the answer's start");
      double where = (double) at / text.length();
      if (depth == 0) assertTrue(where < 0.05, "depth 0 at the start: " + where);
      if (depth == 50) assertTrue(where > 0.35 && where < 0.55, "depth 50 in the middle: " + where);
      String before = text.substring(0, at).trim();
      assertTrue(at == 0 || before.isEmpty() || before.endsWith(".") || before.endsWith("!") || before.endsWith("?")
          || before.endsWith("number is: " + t.askedNumbers().get(0) + "."), "needle after a sentence end: ..." 
          + before.substring(Math.max(0, before.length() - 30)));
    }
  }

  @Test
  void gridRunsAndWritesTableJsonAndHeatmap() throws Exception {
    SentencePieceTokenizer tok = tokenizer();
    Parameters model = Parameters.init(new ModelConfig(tok.vocabSize(), 0, 16, 32, 1, 2, 2, 1e4, 1e-5, 4096), 1);
    NeedleEval.Settings s = new NeedleEval.Settings(new int[] {128, 256}, new int[] {0, 50, 100}, 1, 1, 1, 3,
        new SequenceParallel.Options(2, SequenceLayout.ZIGZAG, 64, 64, 64));
    NeedleEval.Result r = org.lwm.trainer.eval.NeedleReport.run(model, tok, haystack(), s, tmp);
    assertEquals(2, r.accuracy().length);
    for (double[] row : r.accuracy()) for (double a : row) assertTrue(a >= 0 && a <= 1);
    BufferedImage png = ImageIO.read(tmp.resolve("needle.png").toFile());
    assertTrue(png.getWidth() > 2 * 48 && png.getHeight() > 3 * 48);
    String json = Files.readString(tmp.resolve("needle.json"));
    assertTrue(json.contains("\"lengths\":[128, 256]") && json.contains("\"accuracy\""), json);
    assertTrue(r.table().contains("50%"), r.table());
  }
}
