package org.lwm.trainer.cli;

import java.nio.file.Path;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.trainer.backend.Backend;
import org.lwm.trainer.checkpoint.Checkpoint;
import org.lwm.trainer.inference.Decoder;
import org.lwm.trainer.inference.Sampling;
import picocli.CommandLine.Option;

/** What every inference command takes: the checkpoint, its tokenizer, and how tokens are sampled. */
public final class InferenceOptions {
  @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "A checkpoint (config.json + model.safetensors).")
  Path checkpoint;

  @Option(names = "--tokenizer", required = true, paramLabel = "FILE", description = "The SentencePiece tokenizer.model it was trained with.")
  Path tokenizer;

  @Option(names = "--temperature", defaultValue = "0", paramLabel = "T", description = "0 (default): greedy; else softmax at T.")
  double temperature;

  @Option(names = "--top-k", defaultValue = "0", paramLabel = "K", description = "Sample among the K likeliest tokens (0: all).")
  int topK;

  @Option(names = "--top-p", defaultValue = "1", paramLabel = "P", description = "Sample within the smallest set of probability ≥ P.")
  double topP;

  @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Sampling seed (default 0).")
  long seed;

  Decoder decoder() {
    return new Decoder(Checkpoint.read(checkpoint), Backend.cpu());
  }

  SentencePieceTokenizer tokenizer() {
    return SentencePieceTokenizer.load(tokenizer);
  }

  Sampling sampling(long offset) {
    return new Sampling(temperature, topK, topP, seed + offset);
  }
}
