package org.lwm.packing.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.cli.CommandGroup;
import org.lwm.core.cli.CommandProvider;
import org.lwm.core.cli.CommonOptions;
import org.lwm.core.cli.StepCommand;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.spark.SparkSessions;
import org.lwm.core.step.Step;
import org.lwm.core.step.StepExecution;
import org.lwm.core.step.StepProvider;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.packing.format.ExampleFormatter;
import org.lwm.packing.format.FormatFile;
import org.lwm.packing.format.FormatOptions;
import org.lwm.packing.lake.ExamplesJob;
import org.lwm.packing.lake.LwmExport;
import org.lwm.packing.lake.PackJob;
import org.lwm.packing.pack.PackFile;
import org.lwm.packing.pack.PackStats;
import org.lwm.packing.pack.Packer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lwm pack ...}: LWM formatting, masked packing, stages, export for LWM's trainer. */
@Command(name = "pack", description = "Format examples LWM's way and pack them into fixed-length training sequences.",
    mixinStandardHelpOptions = true,
    subcommands = {PackCommand.Format.class, PackCommand.Sequences.class, PackCommand.Examples.class, PackCommand.Run.class,
        PackCommand.ExportLwm.class})
public final class PackCommand extends CommandGroup {

  /** Registers {@code pack} with the {@code lwm} command. */
  public static final class Provider implements CommandProvider {
    @Override
    public Object command() {
      return new PackCommand();
    }
  }

  /** The packing jobs as pipeline steps ({@code format}, {@code sequences} and {@code export-lwm} are file commands). */
  public static final class Steps implements StepProvider {
    @Override
    public List<Step> steps() {
      return List.of(new ExamplesJob(), new PackJob());
    }
  }

  /**
   * Formatting options shared by format and examples: none has a picocli default, so that for {@code pack examples}
   * an option not given leaves the config key (pack.max_n_frames, pack.lwm_compat, pack.prepend_text) as it is.
   */
  static final class FormatArgs {
    @Option(names = "--tokenizer", paramLabel = "FILE", description = "The SentencePiece tokenizer.model (config tokenizer for pack examples).")
    String tokenizer;

    @Option(names = "--max-n-frames", paramLabel = "N",
        description = "Keep at most N evenly spaced frames of each vision field (config pack.max_n_frames; default: all).")
    Integer maxFrames;

    @Option(names = "--lwm-compat", description = "Encode like LWM's tokenizer: a BOS before every text field and before <vision>/</vision>.")
    boolean lwmCompat;

    @Option(names = "--prepend-text", paramLabel = "TEXT", description = "Text put before the first field (LWM's prepend_text; config pack.prepend_text).")
    String prependText;

    Config configure(Config base) {
      Config c = base.withIfSet(StepExecution.TOKENIZER_KEY, tokenizer).withIfSet(ExamplesJob.MAX_N_FRAMES, maxFrames)
          .withIfSet(ExamplesJob.PREPEND_TEXT, prependText);
      return lwmCompat ? c.with(ExamplesJob.LWM_COMPAT, "true") : c;
    }

    SentencePieceTokenizer load() {
      if (tokenizer == null) throw new UserError("no tokenizer given: pass --tokenizer PATH/tokenizer.model");
      if (!Files.isRegularFile(Path.of(tokenizer))) throw new UserError("tokenizer " + tokenizer + " is not a file: pass --tokenizer PATH/tokenizer.model");
      return SentencePieceTokenizer.load(Path.of(tokenizer));
    }
  }

  @Command(name = "format", mixinStandardHelpOptions = true,
      description = {"Format JSON-lines records LWM's way (TextProcessor / VisionTextProcessor semantics).",
          "Each input line is an object: text fields as strings, vision fields (names containing 'vision') as arrays of VQGAN codes",
          "(frames of 256), and 'fields', the spec (e.g. \"[vision],caption\"), unless --fields is given.",
          "Each output line is {\"tokens\", \"loss_mask\", \"vision_mask\"} (with \"id\" when the input has one), in input order."})
  static final class Format implements Runnable {
    @Mixin FormatArgs format;

    @Option(names = "--input", required = true, paramLabel = "FILE.jsonl") Path input;
    @Option(names = "--output", required = true, paramLabel = "FILE.jsonl") Path output;
    @Option(names = "--fields", paramLabel = "SPEC", description = "One fields spec for every record, instead of each record's 'fields'.") String fields;

    @Override
    public void run() {
      ExampleFormatter f = new ExampleFormatter(format.load(), ExamplesJob.options(format.configure(Config.empty())));
      try (BufferedReader in = Files.newBufferedReader(input); Writer out = Files.newBufferedWriter(output)) {
        long n = FormatFile.run(f, fields, in, out, input.toString());
        System.out.println("pack format: " + n + " examples → " + output);
      } catch (NoSuchFileException e) {
        throw new UserError("input " + input + " does not exist");
      } catch (IOException e) {
        throw new UserError("pack format: " + e.getMessage());
      }
    }
  }

  @Command(name = "sequences", mixinStandardHelpOptions = true,
      description = {"Pack formatted examples ({\"id\", \"tokens\", \"loss_mask\", \"vision_mask\"} per line) into rows of L positions:",
          "the packed-row columns (seq_id, input_ids, target_ids, loss_weight, input_vision, target_vision, segment_ids,",
          "position_ids, example_ids) per line. Same packer as 'lwm pack run'."})
  static final class Sequences implements Runnable {
    @Option(names = "--input", required = true, paramLabel = "FILE.jsonl") Path input;
    @Option(names = "--output", required = true, paramLabel = "FILE.jsonl") Path output;
    @Option(names = "--seq-len", required = true, paramLabel = "L") int seqLen;
    @Option(names = "--seed", defaultValue = "0", paramLabel = "S") long seed;
    @Option(names = "--window", defaultValue = "4096", paramLabel = "N", description = "Examples per best-fit window (default 4096).") int window;
    @Option(names = "--max-open-rows", defaultValue = "1024", paramLabel = "N", description = "Partly filled rows kept between windows (default 1024).") int maxOpen;
    @Option(names = "--window-tokens", defaultValue = "16777216", paramLabel = "N",
        description = "Tokens held by a window, and again by the open rows: a bound on memory (default 2^24, ~150 MB each).") long windowTokens;

    @Override
    public void run() {
      Packer.Options o;
      try {
        o = new Packer.Options(seqLen, seed, window, maxOpen, windowTokens);
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage());
      }
      try (BufferedReader in = Files.newBufferedReader(input); Writer out = Files.newBufferedWriter(output)) {
        PackStats s = PackFile.run(o, in, out, input.toString());
        System.out.printf("pack sequences: %d examples → %d rows of %d, fill %.4f, %d split (longer than L), %d without targets → %s%n",
            s.examples, s.rows, seqLen, s.fillRate(), s.examplesSplit, s.examplesEmpty, output);
      } catch (NoSuchFileException e) {
        throw new UserError("input " + input + " does not exist");
      } catch (IOException e) {
        throw new UserError("pack sequences: " + e.getMessage());
      }
    }
  }

  @Command(name = "examples", mixinStandardHelpOptions = true,
      description = {"Build the 'examples' table from the lake: books (book_tokens, task text), long_qa, chat_mix, chat,",
          "and image/video–text pairs from videos + vision_tokens (text_to_image, image_to_text, text_to_video, video_to_text)."})
  static final class Examples extends StepCommand {
    @Mixin FormatArgs format;

    @Override
    public Step step() {
      return new ExamplesJob();
    }

    @Override
    public Config configure(Config base) {
      return format.configure(base);
    }
  }

  @Command(name = "run", mixinStandardHelpOptions = true,
      description = {"Pack 'examples' into the 'packed' table's partition stage=NAME (masked best-fit packing with loss weights).",
          "Stage settings come from the options or from config keys pack.stages.NAME.{seq_len,sources,separate,seed}."})
  static final class Run extends StepCommand {
    @Option(names = "--stage", paramLabel = "NAME", description = "The stage: the partition stage=NAME of 'packed' (config pack.stage).") String stage;
    @Option(names = "--seq-len", paramLabel = "L", description = "Sequence length (config pack.stages.NAME.seq_len).") Integer seqLen;
    @Option(names = "--sources", paramLabel = "TASK=W,...", description = "Tasks and their token proportions, e.g. chat=7,long_qa=3 (default: every task).") String sources;
    @Option(names = "--separate", paramLabel = "TASK,...", description = "Tasks packed apart from the others, e.g. long_qa.") String separate;
    @Option(names = "--seed", paramLabel = "S", description = "Seed of the sampling and packing (config pack.stages.NAME.seed, default 0).") Long seed;

    @Override
    public Step step() {
      return new PackJob();
    }

    @Override
    public Config configure(Config base) {
      Config c = base.withIfSet(PackJob.STAGE, stage);
      String name = c.get(PackJob.STAGE, null);
      if (name == null) {
        if (seqLen != null || sources != null || separate != null || seed != null) {
          throw new UserError("pack run: --seq-len, --sources, --separate and --seed set a stage's settings: pass --stage NAME (config " + PackJob.STAGE + ")");
        }
        return c;
      }
      String p = "pack.stages." + name + ".";
      return c.withIfSet(p + "seq_len", seqLen).withIfSet(p + "sources", sources).withIfSet(p + "separate", separate).withIfSet(p + "seed", seed);
    }
  }

  @Command(name = "export-lwm", mixinStandardHelpOptions = true,
      description = {"Write the lake's examples as LWM's own trainer reads them: DIR/text.jsonl (dataset type 'json') and",
          "DIR/vision.jsonl ('json_vision'), with fields_from_example='fields'."})
  static final class ExportLwm implements Runnable {
    @Mixin CommonOptions common;
    @Option(names = "--output", required = true, paramLabel = "DIR") String output;
    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed of the line order (LWM reads in order).") long seed;

    @Override
    public void run() {
      SparkSession spark = SparkSessions.create("pack export-lwm", common.config());
      common.lake().checkReadable(spark);
      JobCounts c = LwmExport.run(spark, common.lake(), output, seed);
      c.print(System.out);
    }
  }
}
