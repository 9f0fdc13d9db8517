package org.lwm.trainer.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.lwm.core.numeric.Gemm;
import org.lwm.core.tensors.Gguf;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.trainer.backend.Backend;
import org.lwm.trainer.inference.Decoder;
import org.lwm.trainer.inference.TextGenerator;
import org.lwm.trainer.interop.GgufExport;
import org.lwm.trainer.model.ModelConfig;
import org.lwm.trainer.model.Parameters;

/**
 * Our KV-cached decoding against llama.cpp on the same model (bench/generate.sh): a seeded LLaMA exported as an F32
 * GGUF, the same prompt and number of new tokens, the same threads; decode time counts from the first new token to
 * the last (prompt evaluation excluded on both sides). Prints our tokens/s; the script runs llama.cpp and the ratio.
 * Args: TOKENIZER OUT_GGUF HIDDEN LAYERS PROMPT_TOKENS NEW_TOKENS THREADS ROUNDS
 */
public final class GenerateBenchmark {
  public static void main(String[] a) throws Exception {
    SentencePieceTokenizer tok = SentencePieceTokenizer.load(Path.of(a[0]));
    int d = Integer.parseInt(a[2]), layers = Integer.parseInt(a[3]), promptLen = Integer.parseInt(a[4]);
    int newTokens = Integer.parseInt(a[5]), threads = Integer.parseInt(a[6]), rounds = Integer.parseInt(a[7]);
    Gemm.useThreads(threads);
    ModelConfig c = new ModelConfig(tok.vocabSize(), 0, d, d * 8 / 3 / 64 * 64 + 64, layers, Math.max(1, d / 64), Math.max(1, d / 64),
        10000, 1e-5, promptLen + newTokens + 8);
    Parameters p = Parameters.init(c, 1);
    GgufExport.write(p, tok, Path.of(a[1]), Gguf.Type.F32, "bench");
    int[] prompt = new int[promptLen];
    prompt[0] = tok.bosId();
    for (int i = 1; i < promptLen; i++) prompt[i] = 3 + (i * 7919) % (tok.vocabSize() - 3);
    Files.writeString(Path.of(a[1] + ".prompt.json"), java.util.Arrays.toString(prompt));
    TextGenerator gen = new TextGenerator(new Decoder(p, Backend.cpu()));
    for (int r = 0; r < rounds; r++) {
      List<Long> times = new ArrayList<>();
      gen.generate(List.of(new TextGenerator.Request(prompt, newTokens, org.lwm.trainer.inference.Sampling.greedy(), Set.of())), id -> {
        times.add(System.nanoTime());
        return true;
      });
      double s = (times.get(times.size() - 1) - times.get(0)) / 1e9;
      System.out.printf(Locale.ROOT, "ours round %d: %d tokens decoded in %.3f s, %.1f tokens/s (d=%d, %d layers, %,d parameters, %d threads)%n",
          r + 1, times.size() - 1, s, (times.size() - 1) / s, d, layers, c.parameterCount(), threads);
    }
  }
}
