package org.lwm.trainer.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.trainer.backend.Backend;
import org.lwm.trainer.checkpoint.Checkpoint;
import org.lwm.trainer.inference.Decoder;
import org.lwm.trainer.inference.Sampling;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * What every inference command takes: the checkpoint, its tokenizer, and how tokens are sampled. The checkpoint and
 * tokenizer are required, but checked by {@link #require} rather than by picocli: picocli checks a parent command's
 * required options even when a subcommand runs, and {@code generate} has subcommands ({@code image}, {@code video}).
 */
public final class InferenceOptions {
  @Spec(Spec.Target.MIXEE) CommandSpec mixee;

  @Option(names = "--checkpoint", paramLabel = "DIR", description = "A checkpoint (config.json + model.safetensors). Required.")
  Path checkpoint;

  @Option(names = "--tokenizer", paramLabel = "FILE", description = "The SentencePiece tokenizer.model it was trained with. Required.")
  Path tokenizer;

  @Option(names = "--temperature", defaultValue = "0", paramLabel = "T", description = "0 (default): greedy; else softmax at T.")
  double temperature;

  @Option(names = "--top-k", defaultValue = "0", paramLabel = "K", description = "Sample among the K likeliest tokens (0: all).")
  int topK;

  @Option(names = "--top-p", defaultValue = "1", paramLabel = "P", description = "Sample within the smallest set of probability ≥ P.")
  double topP;

  @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Sampling seed (default 0).")
  long seed;

  /** The usage error picocli gives for missing required options, naming these and any of {@code others} that are missing. */
  void require(String... others) {
    List<String> missing = new ArrayList<>();
    if (checkpoint == null) missing.add("'--checkpoint=DIR'");
    if (tokenizer == null) missing.add("'--tokenizer=FILE'");
    missing.addAll(List.of(others));
    if (!missing.isEmpty()) {
      throw new ParameterException(mixee.commandLine(), "Missing required option" + (missing.size() > 1 ? "s: " : ": ") + String.join(", ", missing));
    }
  }

  Decoder decoder() {
    require();
    return new Decoder(Checkpoint.read(checkpoint), Backend.cpu());
  }

  SentencePieceTokenizer tokenizer() {
    require();
    return SentencePieceTokenizer.load(tokenizer);
  }

  Sampling sampling(long offset) {
    return new Sampling(temperature, topK, topP, seed + offset);
  }
}
