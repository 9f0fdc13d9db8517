package org.lwm.trainer.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.cli.CommandGroup;
import org.lwm.core.cli.CommandProvider;
import org.lwm.core.cli.CommonOptions;
import org.lwm.core.cli.UserError;
import org.lwm.core.spark.SparkSessions;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.trainer.checkpoint.Checkpoint;
import org.lwm.trainer.eval.Haystack;
import org.lwm.trainer.eval.Heatmap;
import org.lwm.trainer.eval.NeedleJson;
import org.lwm.trainer.eval.NeedleEval;
import org.lwm.trainer.model.Parameters;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lwm eval needle}: needle-in-a-haystack accuracy of a checkpoint. */
@Command(name = "eval", description = "Evaluate a checkpoint.", mixinStandardHelpOptions = true, subcommands = {EvalCommand.Needle.class})
public final class EvalCommand extends CommandGroup {

  public static final class Provider implements CommandProvider {
    @Override
    public Object command() {
      return new EvalCommand();
    }
  }

  @Command(name = "needle", mixinStandardHelpOptions = true,
      description = {"Needle in a haystack (LWM's eval): haystacks from the lake's books at a grid of context lengths × depths, "
          + "k needles inserted and j asked, several seeds; greedy answers; prints the accuracy table and writes "
          + "OUTPUT/needle.json and OUTPUT/needle.png."})
  public static final class Needle implements Runnable {
    @Mixin CommonOptions common;
    @Option(names = "--checkpoint", required = true, paramLabel = "DIR") Path checkpoint;
    @Option(names = "--tokenizer", required = true, paramLabel = "FILE", description = "The SentencePiece tokenizer.model the model was trained with.") Path tokenizer;
    @Option(names = "--haystack", paramLabel = "FILE", description = "A text file instead of the lake's books.") Path haystackFile;
    @Option(names = "--lengths", split = ",", defaultValue = "512,1024", paramLabel = "N,...", description = "Context lengths in tokens (default 512,1024).") int[] lengths;
    @Option(names = "--depths", split = ",", defaultValue = "0,25,50,75,100", paramLabel = "P,...", description = "Needle depths in percent (default 0,25,50,75,100).") int[] depths;
    @Option(names = "--seeds", defaultValue = "3", paramLabel = "N") int seeds;
    @Option(names = "--needles", defaultValue = "1", paramLabel = "K", description = "Needles inserted (default 1).") int needles;
    @Option(names = "--asked", defaultValue = "1", paramLabel = "J", description = "Needles asked for (default 1).") int asked;
    @Option(names = "--max-new-tokens", defaultValue = "12", paramLabel = "N") int maxNew;
    @Option(names = "--output", required = true, paramLabel = "DIR") Path output;
    @Mixin ParallelOptions parallel;

    @Override
    public void run() {
      if (needles < 1 || asked < 1 || asked > needles) throw new UserError("--asked must be between 1 and --needles");
      Parameters model = Checkpoint.read(checkpoint);
      SentencePieceTokenizer tok = SentencePieceTokenizer.load(tokenizer);
      int maxChars = Arrays.stream(lengths).max().orElse(1024) * 8 + 1000;
      String hay;
      if (haystackFile != null) {
        try {
          hay = Files.readString(haystackFile);
        } catch (IOException e) {
          throw new UserError("cannot read --haystack " + haystackFile + ": " + e.getMessage());
        }
      } else {
        SparkSession spark = SparkSessions.create("lwm eval needle", common.config());
        hay = Haystack.fromBooks(spark, common.lake(), maxChars);
      }
      NeedleEval.Result r = run(model, tok, hay, new NeedleEval.Settings(lengths, depths, seeds, needles, asked, maxNew,
          parallel.options()), output);
      System.out.print(r.table());
    }

    /** Runs the grid and writes needle.json and needle.png into {@code output}. */
    public static NeedleEval.Result run(Parameters model, SentencePieceTokenizer tok, String haystack, NeedleEval.Settings s,
        Path output) {
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
}
