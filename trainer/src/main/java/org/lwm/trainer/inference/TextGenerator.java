package org.lwm.trainer.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.lwm.core.cli.UserError;

/**
 * KV-cached autoregressive text generation with continuous batching: sequences join with {@link #add} at any time;
 * each {@link #step} runs one forward over every unfinished sequence together — a newcomer's whole prompt (its
 * prefill) beside the others' single new tokens, the linear layers as one GEMM over all their rows — and picks each
 * sequence's next token. A sequence ends at one of its stop tokens (not included) or at its token limit. Not
 * thread-safe: one thread drives it (the command, or the server's engine thread).
 */
public final class TextGenerator {
  /** One prompt (its ids, BOS included if wanted) and how to continue it. */
  public record Request(int[] prompt, int maxTokens, Sampling sampling, Set<Integer> stop) {}

  /** The continuation's ids and why it ended: "stop" (a stop token) or "length" (the token limit). */
  public record Result(int[] tokens, String finishReason, int promptTokens) {}

  /** Hears of a sequence's tokens as they are chosen (streaming) and of its end. */
  public interface Listener {
    /** A new token; false ends the sequence here with "stop" (a stop string was reached, the client went away). */
    boolean token(int id);

    default void done(Result r) {}

    /** The sequence could not go on (a bad request or a failed step). */
    default void failed(RuntimeException e) {}
  }

  /** A sequence being generated. */
  private static final class Slot {
    final Request request;
    final Listener listener;
    final KvCache cache;
    final List<Integer> out = new ArrayList<>();
    int[] next;

    Slot(Request r, Listener l, KvCache cache) {
      this.request = r;
      this.listener = l;
      this.cache = cache;
      this.next = r.prompt();
    }
  }

  private final Decoder decoder;
  private final List<Slot> active = new ArrayList<>();

  public TextGenerator(Decoder decoder) {
    this.decoder = decoder;
  }

  /** Checks a request and queues it for the next step; a one-line error when it cannot fit the model. */
  public void add(Request r, Listener listener) {
    if (r.prompt().length == 0) throw new UserError("an empty prompt: give at least one token (BOS)");
    int ctx = decoder.config().maxPositions();
    if (r.prompt().length + r.maxTokens() > ctx) {
      throw new UserError("the prompt's " + r.prompt().length + " tokens and max_tokens " + r.maxTokens() + " exceed the model's context of "
          + ctx + " (max_position_embeddings)");
    }
    Slot s = new Slot(r, listener, decoder.newCache(r.prompt().length + r.maxTokens()));
    if (r.maxTokens() <= 0) {
      if (listener != null) listener.done(new Result(new int[0], "length", r.prompt().length));
      return;
    }
    active.add(s);
  }

  /** Sequences still being generated. */
  public int active() {
    return active.size();
  }

  /** One forward over every active sequence and a token for each; false when nothing was left to do. */
  public boolean step() {
    if (active.isEmpty()) return false;
    List<KvCache> caches = new ArrayList<>();
    List<int[]> tokens = new ArrayList<>();
    for (Slot s : active) {
      caches.add(s.cache);
      tokens.add(s.next);
    }
    float[][] hidden = decoder.forward(caches, tokens, null, true);
    int v = decoder.config().vocabSize();
    List<Slot> still = new ArrayList<>();
    for (int i = 0; i < active.size(); i++) {
      Slot s = active.get(i);
      int id = s.request.sampling().next(decoder.logits(hidden[i], false), 0, v);
      String finish = null;
      if (s.request.stop() != null && s.request.stop().contains(id)) {
        finish = "stop";
      } else {
        s.out.add(id);
        if (s.listener != null && !s.listener.token(id)) finish = "stop";
        else if (s.out.size() >= s.request.maxTokens()) finish = "length";
      }
      if (finish == null) {
        s.next = new int[] {id};
        still.add(s);
      } else if (s.listener != null) {
        s.listener.done(new Result(s.out.stream().mapToInt(Integer::intValue).toArray(), finish, s.request.prompt().length));
      }
    }
    active.clear();
    active.addAll(still);
    return true;
  }

  /** Ends every active sequence with {@code e} (a step failed). */
  public void abort(RuntimeException e) {
    for (Slot s : active) if (s.listener != null) s.listener.failed(e);
    active.clear();
  }

  /** Every request to its end, batched; results in request order. */
  public List<Result> generate(List<Request> requests, Listener listener) {
    Result[] results = new Result[requests.size()];
    for (int i = 0; i < requests.size(); i++) {
      int at = i;
      add(requests.get(i), new Listener() {
        @Override
        public boolean token(int id) {
          return listener == null || listener.token(id);
        }

        @Override
        public void done(Result r) {
          results[at] = r;
        }
      });
    }
    while (step()) {
      // until every sequence has ended
    }
    return List.of(results);
  }

  /** Greedy ids of one prompt, for tools and tests. */
  public int[] greedy(int[] prompt, int maxTokens, Set<Integer> stop) {
    return generate(List.of(new Request(prompt, maxTokens, Sampling.greedy(), stop)), null).get(0).tokens();
  }
}
