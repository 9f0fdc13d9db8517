package org.lwm.trainer.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
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

/** {@code lwm chat}: a conversation with a checkpoint in LWM's chat template, one line per user turn. */
@Command(name = "chat", mixinStandardHelpOptions = true,
    description = {"Chat with the checkpoint in LWM's template (You are a helpful assistant. USER: … ASSISTANT: …): each line",
        "read from standard input is a user turn, the reply is printed; the whole conversation is the next prompt."})
public final class ChatCommand implements Runnable {
  @Mixin InferenceOptions model;

  @Option(names = "--system", paramLabel = "TEXT", description = "The system sentence (default: LWM's).")
  String system;

  @Option(names = "--max-tokens", defaultValue = "256", paramLabel = "N", description = "Tokens per reply at most (default 256).")
  int maxTokens;

  public static final class Provider implements CommandProvider {
    @Override
    public Object command() {
      return new ChatCommand();
    }
  }

  @Override
  public void run() {
    SentencePieceTokenizer tok = model.tokenizer();
    TextGenerator gen = new TextGenerator(model.decoder());
    List<String> roles = new ArrayList<>(), contents = new ArrayList<>();
    if (system != null) {
      roles.add("system");
      contents.add(system);
    }
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    try {
      String line;
      long turn = 0;
      while ((line = in.readLine()) != null) {
        if (line.isBlank()) continue;
        roles.add("user");
        contents.add(line);
        int[] prompt = ChatPrompt.tokens(tok, roles, contents);
        List<Integer> reply = new ArrayList<>();
        gen.generate(List.of(new TextGenerator.Request(prompt, maxTokens, model.sampling(turn++),
            tok.eosId() >= 0 ? Set.of(tok.eosId()) : Set.of())), id -> {
              reply.add(id);
              return !tok.decode(reply.stream().mapToInt(Integer::intValue).toArray()).contains(ChatPrompt.NEXT_TURN);
            });
        String answer = ChatPrompt.cut(tok.decode(reply.stream().mapToInt(Integer::intValue).toArray()));
        System.out.println(answer);
        System.out.flush();
        roles.add("assistant");
        contents.add(answer);
      }
    } catch (IOException e) {
      throw new org.lwm.core.cli.UserError("cannot read standard input: " + e.getMessage());
    }
  }
}
