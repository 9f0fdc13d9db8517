package org.lwm.trainer.cli;

import java.nio.file.Path;
import org.lwm.core.cli.CommandGroup;
import org.lwm.core.cli.CommandProvider;
import org.lwm.core.cli.StepCommand;
import org.lwm.core.config.Config;
import org.lwm.core.step.Step;
import org.lwm.core.step.StepExecution;
import org.lwm.trainer.eval.NeedleJob;
import picocli.CommandLine.Command;
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
          + "OUTPUT/needle.json and OUTPUT/needle.png. Config keys eval.needle.* (see 'lwm run' pipelines)."})
  public static final class Needle extends StepCommand {
    @Option(names = "--checkpoint", paramLabel = "DIR") Path checkpoint;
    @Option(names = "--tokenizer", paramLabel = "FILE", description = "The SentencePiece tokenizer.model the model was trained with.") String tokenizer;
    @Option(names = "--haystack", paramLabel = "FILE", description = "A text file instead of the lake's books.") Path haystackFile;
    @Option(names = "--lengths", paramLabel = "N,...", description = "Context lengths in tokens (default 512,1024).") String lengths;
    @Option(names = "--depths", paramLabel = "P,...", description = "Needle depths in percent (default 0,25,50,75,100).") String depths;
    @Option(names = "--seeds", paramLabel = "N", description = "Seeds per cell (default 3).") Integer seeds;
    @Option(names = "--needles", paramLabel = "K", description = "Needles inserted (default 1).") Integer needles;
    @Option(names = "--asked", paramLabel = "J", description = "Needles asked for (default 1).") Integer asked;
    @Option(names = "--max-new-tokens", paramLabel = "N", description = "Greedy tokens per answer (default 12).") Integer maxNew;
    @Option(names = "--output", paramLabel = "DIR") Path output;
    @Option(names = "--sp", paramLabel = "N", description = "Sequence-parallel workers (threads on a local ring; default 1).") Integer sp;
    @Option(names = "--layout", paramLabel = "LAYOUT", description = "contiguous or zigzag (default contiguous).") String layout;
    @Option(names = "--query-chunk", paramLabel = "N", description = "Queries per attention tile (default 512).") Integer queryChunk;
    @Option(names = "--key-chunk", paramLabel = "N", description = "Keys per attention tile (default 512).") Integer keyChunk;

    @Override
    public Step step() {
      return new NeedleJob();
    }

    @Override
    public Config configure(Config base) {
      String p = "eval.needle.";
      return base.withIfSet(p + "checkpoint", checkpoint).withIfSet(StepExecution.TOKENIZER_KEY, tokenizer).withIfSet(p + "haystack", haystackFile)
          .withIfSet(p + "lengths", lengths).withIfSet(p + "depths", depths).withIfSet(p + "seeds", seeds)
          .withIfSet(p + "needles", needles).withIfSet(p + "asked", asked).withIfSet(p + "max_new_tokens", maxNew)
          .withIfSet(p + "output", output).withIfSet(p + "sp", sp).withIfSet(p + "layout", layout)
          .withIfSet(p + "query_chunk", queryChunk).withIfSet(p + "key_chunk", keyChunk);
    }
  }
}
