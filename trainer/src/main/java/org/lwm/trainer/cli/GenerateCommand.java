package org.lwm.trainer.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.lwm.core.cli.CommandProvider;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.trainer.inference.ChatPrompt;
import org.lwm.trainer.inference.TextGenerator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lwm generate}: continue text prompts with a checkpoint (KV-cached, batched). */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = {"Continue each --prompt (BOS, then the prompt) with the checkpoint's text model; prompts run as one batch.",
        "Prints each continuation as text (a single prompt streams as it is generated), or with --ids its token ids as a JSON array."})
public final class GenerateCommand implements Runnable {
  @Mixin InferenceOptions model;

  @Option(names = "--prompt", paramLabel = "TEXT", description = "A prompt (repeatable: a batch). Required.")
  List<String> prompts;

  @Option(names = "--max-tokens", defaultValue = "64", paramLabel = "N", description = "Tokens to generate at most (default 64).")
  int maxTokens;

  @Option(names = "--ids", description = "Print the continuation's token ids as one JSON array per prompt, not text.")
  boolean ids;

  public static final class Provider implements CommandProvider {
    @Override
    public Object command() {
      return new GenerateCommand();
    }
  }

  @Override
  public void run() {
    if (prompts == null) model.require("'--prompt=TEXT'");
    model.require();
    SentencePieceTokenizer tok = model.tokenizer();
    TextGenerator gen = new TextGenerator(model.decoder());
    List<TextGenerator.Request> reqs = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      reqs.add(new TextGenerator.Request(ChatPrompt.plain(tok, prompts.get(i)), maxTokens, model.sampling(i), tok.eosId() >= 0 ? Set.of(tok.eosId()) : Set.of()));
    }
    boolean streaming = !ids && prompts.size() == 1;
    List<Integer> sofar = new ArrayList<>();
    int[] shown = {0};
    long t0 = System.nanoTime();
    List<TextGenerator.Result> results = gen.generate(reqs, id -> {
      if (streaming) {
        sofar.add(id);
        String text = tok.decode(sofar.stream().mapToInt(Integer::intValue).toArray());
        if (text.length() > shown[0] && text.charAt(text.length() - 1) != '\uFFFD') {
          System.out.print(text.substring(shown[0]));
          System.out.flush();
          shown[0] = text.length();
        }
      }
      return true;
    });
    double seconds = (System.nanoTime() - t0) / 1e9;
    int total = 0;
    for (int i = 0; i < results.size(); i++) {
      TextGenerator.Result r = results.get(i);
      total += r.tokens().length;
      if (ids) System.out.println(java.util.Arrays.toString(r.tokens()).replace(" ", ""));
      else if (streaming) System.out.println(tok.decode(r.tokens()).substring(shown[0]));
      else System.out.println(prompts.get(i) + tok.decode(r.tokens()));
    }
    System.err.printf("generate: %d tokens in %.2f s (%.1f tokens/s), %s%n", total, seconds, total / seconds,
        results.size() == 1 ? "ended by " + results.get(0).finishReason() : results.size() + " prompts");
  }
}
