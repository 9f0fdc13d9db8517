package org.lwm.trainer.cli;

import java.io.IOException;
import org.lwm.core.cli.CommandProvider;
import org.lwm.core.cli.UserError;
import org.lwm.trainer.inference.Decoder;
import org.lwm.trainer.inference.OpenAiServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lwm serve}: an OpenAI-compatible server for a checkpoint. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {"Serve the checkpoint over OpenAI's API: GET /v1/models, POST /v1/completions and /v1/chat/completions",
        "(\"stream\": true for server-sent events). Concurrent requests share each forward (continuous batching); a full",
        "queue answers 429. Point 'qa generate --generator openai --set qa.openai.base_url=http://HOST:PORT/v1' at it."})
public final class ServeCommand implements Runnable {
  @Mixin InferenceOptions model;

  @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "HOST", description = "Address to bind (default 127.0.0.1).")
  String host;

  @Option(names = "--port", defaultValue = "8000", paramLabel = "P", description = "Port (default 8000; 0: any free port).")
  int port;

  @Option(names = "--name", paramLabel = "NAME", description = "The model id in /v1/models (default: the checkpoint directory's name).")
  String name;

  @Option(names = "--max-tokens", defaultValue = "1024", paramLabel = "N", description = "The largest max_tokens a request may ask (default 1024).")
  int maxTokens;

  @Option(names = "--max-batch", defaultValue = "32", paramLabel = "N", description = "Sequences decoded together at most (default 32).")
  int maxBatch;

  @Option(names = "--queue", defaultValue = "64", paramLabel = "N", description = "Requests that may wait; more get 429 (default 64).")
  int queue;

  public static final class Provider implements CommandProvider {
    @Override
    public Object command() {
      return new ServeCommand();
    }
  }

  @Override
  public void run() {
    if (maxBatch < 1 || queue < 1 || maxTokens < 1) throw new UserError("--max-batch, --queue and --max-tokens must be positive");
    Decoder decoder = model.decoder();
    String id = name != null ? name : model.checkpoint.toAbsolutePath().normalize().getFileName().toString();
    try {
      OpenAiServer server = new OpenAiServer(decoder, model.tokenizer(), id, host, port,
          new OpenAiServer.Limits(maxTokens, maxBatch, queue, Math.max(16, maxBatch + queue)));
      System.out.printf("serve: %s on http://%s:%d/v1 (context %d, batch %d, queue %d); Ctrl-C stops%n", id, host, server.port(),
          decoder.config().maxPositions(), maxBatch, queue);
      Runtime.getRuntime().addShutdownHook(new Thread(server::close));
      Thread.currentThread().join();
    } catch (IOException e) {
      throw new UserError("cannot listen on " + host + ":" + port + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
