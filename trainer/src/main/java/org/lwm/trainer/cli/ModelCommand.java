package org.lwm.trainer.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lwm.core.cli.CommandGroup;
import org.lwm.core.cli.CommandProvider;
import org.lwm.core.cli.CommonOptions;
import org.lwm.core.cli.UserError;
import org.lwm.core.records.PackedRow;
import org.lwm.core.records.PackedRowJson;
import org.lwm.trainer.checkpoint.Checkpoint;
import org.lwm.trainer.checkpoint.Npy;
import org.lwm.core.tensors.Gguf;
import org.lwm.core.tensors.Safetensors;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.trainer.interop.GgufExport;
import org.lwm.trainer.model.ModelConfig;
import org.lwm.trainer.model.Parameters;
import org.lwm.trainer.model.SequenceParallel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lwm model init|forward|loss-grad|export-gguf}: make a checkpoint, run it on packed rows, export it for llama.cpp. */
@Command(name = "model", description = "Create a LLaMA checkpoint and run it on packed rows (logits, loss and gradients).",
    mixinStandardHelpOptions = true, subcommands = {ModelCommand.Init.class, ModelCommand.Forward.class, ModelCommand.LossGrad.class, ModelCommand.ExportGguf.class})
public final class ModelCommand extends CommandGroup {

  public static final class Provider implements CommandProvider {
    @Override
    public Object command() {
      return new ModelCommand();
    }
  }

  @Command(name = "init", mixinStandardHelpOptions = true,
      description = {"A new checkpoint (config.json + model.safetensors, Hugging Face LlamaForCausalLM names) with "
          + "HF's initialisation (N(0, 0.02²), norms 1).",
          "The YAML config holds config.json's keys, at the top or under 'model:': vocab_size, vision_vocab_size (0: text only), "
              + "hidden_size, intermediate_size, num_hidden_layers, num_attention_heads, num_key_value_heads, rope_theta, "
              + "rms_norm_eps, max_position_embeddings."})
  static final class Init implements Runnable {
    @Mixin CommonOptions common;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Checkpoint directory to write.")
    Path output;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Random seed (default 0).")
    long seed;

    @Override
    public void run() {
      ModelConfig c = ModelConfig.fromConfig(common.config());
      try {
        Checkpoint.write(output, Parameters.init(c, seed));
      } catch (IOException e) {
        throw new UserError("cannot write checkpoint " + output + ": " + e.getMessage());
      }
      System.out.printf("model init: %s (%,d parameters, seed %d)%n", output, c.parameterCount(), seed);
    }
  }

  @Command(name = "forward", mixinStandardHelpOptions = true,
      description = "Text-head logits of packed rows (JSON lines, DESIGN §6 columns; only input_ids required) as a float32 "
          + ".npy of shape [rows, L, vocab_size].")
  static final class Forward implements Runnable {
    @Option(names = "--checkpoint", required = true, paramLabel = "DIR") Path checkpoint;
    @Option(names = "--input", required = true, paramLabel = "FILE", description = "rows.jsonl") Path input;
    @Option(names = "--output", required = true, paramLabel = "FILE", description = "logits.npy") Path output;
    @Mixin ParallelOptions parallel;

    @Override
    public void run() {
      Parameters p = Checkpoint.read(checkpoint);
      List<PackedRow> rows = readRows(input);
      int len = sameLength(rows, input);
      SequenceParallel.Result r = SequenceParallel.run(p.config, p, rows, parallel.options(), false, true);
      try {
        Npy.writeFloat32(output, new int[] {rows.size(), len, p.config.vocabSize()}, r.textLogits());
      } catch (IOException e) {
        throw new UserError("cannot write " + output + ": " + e.getMessage());
      }
      System.out.printf("model forward: %d rows × %d positions → %s (loss %.6f)%n", rows.size(), len, output, r.loss());
    }
  }

  @Command(name = "loss-grad", mixinStandardHelpOptions = true,
      description = "The batch loss (metadata 'loss', also 'text_loss', 'vision_loss') and one float32 gradient per "
          + "parameter under the checkpoint's names, as safetensors.")
  static final class LossGrad implements Runnable {
    @Option(names = "--checkpoint", required = true, paramLabel = "DIR") Path checkpoint;
    @Option(names = "--input", required = true, paramLabel = "FILE", description = "rows.jsonl") Path input;
    @Option(names = "--output", required = true, paramLabel = "FILE", description = "grads.safetensors") Path output;
    @Mixin ParallelOptions parallel;

    @Override
    public void run() {
      Parameters p = Checkpoint.read(checkpoint);
      List<PackedRow> rows = readRows(input);
      SequenceParallel.Result r = SequenceParallel.run(p.config, p, rows, parallel.options(), true, false);
      Map<String, String> meta = new LinkedHashMap<>();
      meta.put("loss", Double.toString(r.loss()));
      meta.put("text_loss", Double.toString(r.textLoss()));
      meta.put("vision_loss", Double.toString(r.visionLoss()));
      try {
        Safetensors.write(output, Checkpoint.tensors(r.grads()), meta);
      } catch (IOException e) {
        throw new UserError("cannot write " + output + ": " + e.getMessage());
      }
      System.out.printf("model loss-grad: %d rows, loss %.6f → %s%n", rows.size(), r.loss(), output);
    }
  }

  @Command(name = "export-gguf", mixinStandardHelpOptions = true,
      description = {"The checkpoint's text model as a GGUF file for llama.cpp / Ollama (llama architecture, the tokenizer's "
          + "SentencePiece vocabulary with scores and types, BOS/EOS).", "LWM's vision table and head are not part of a "
          + "llama model and are left out; matrices in --type, norms in F32."})
  static final class ExportGguf implements Runnable {
    @Option(names = "--checkpoint", required = true, paramLabel = "DIR") Path checkpoint;
    @Option(names = "--tokenizer", required = true, paramLabel = "FILE", description = "The SentencePiece tokenizer.model it was trained with.") Path tokenizer;
    @Option(names = "--output", required = true, paramLabel = "FILE", description = "model.gguf") Path output;
    @Option(names = "--type", defaultValue = "f32", paramLabel = "f32|f16", description = "Matrix type (default f32).") String type;
    @Option(names = "--name", paramLabel = "NAME", description = "general.name (default: the checkpoint directory's name).") String name;

    @Override
    public void run() {
      Gguf.Type t = switch (type.toLowerCase(java.util.Locale.ROOT)) {
        case "f32" -> Gguf.Type.F32;
        case "f16" -> Gguf.Type.F16;
        default -> throw new UserError("--type " + type + ": use f32 or f16");
      };
      Parameters p = Checkpoint.read(checkpoint);
      SentencePieceTokenizer tok = SentencePieceTokenizer.load(tokenizer);
      String n = name != null ? name : checkpoint.toAbsolutePath().normalize().getFileName().toString();
      GgufExport.Summary s = GgufExport.write(p, tok, output, t, n);
      System.out.printf("model export-gguf: %s (%s, %d tensors, %,d parameters, vocabulary %d%s)%n", output, t, s.tensors(),
          s.parameters(), s.vocab(), s.padded() > 0 ? ", " + s.padded() + " unused ids past the tokenizer's" : "");
      if (p.config.visionVocabSize() > 0) System.out.println("model export-gguf: the vision table and head are not exported");
    }
  }

  static List<PackedRow> readRows(Path input) {
    if (!Files.isReadable(input)) throw new UserError("input " + input + " does not exist or is not readable");
    try (BufferedReader in = Files.newBufferedReader(input)) {
      List<PackedRow> rows = PackedRowJson.readAll(in, input.toString());
      if (rows.isEmpty()) throw new UserError("input " + input + " holds no rows");
      return rows;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static int sameLength(List<PackedRow> rows, Path input) {
    int len = rows.get(0).length();
    for (PackedRow r : rows) {
      if (r.length() != len) {
        throw new UserError(input + ": row " + r.seqId() + " has " + r.length() + " positions, the first has " + len
            + "; logits need rows of one length");
      }
    }
    return len;
  }
}
