package org.lwm.trainer.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * KV-cached autoregressive text generation for a batch of prompts: one prefill of every prompt, then one step per
 * new token over all unfinished sequences together (their linear layers as one GEMM). A sequence ends at one of its
 * stop tokens (not included) or after its token limit.
 */
public final class TextGenerator {
  /** One prompt (its ids, BOS included if wanted) and how to continue it. */
  public record Request(int[] prompt, int maxTokens, Sampling sampling, Set<Integer> stop) {}

  /** The continuation's ids and why it ended: "stop" (a stop token) or "length" (the token limit). */
  public record Result(int[] tokens, String finishReason, int promptTokens) {}

  /** Receives each new token as it is chosen (streaming). */
  public interface Listener {
    void token(int request, int id);
  }

  private final Decoder decoder;

  public TextGenerator(Decoder decoder) {
    this.decoder = decoder;
  }

  public List<Result> generate(List<Request> requests, Listener listener) {
    int n = requests.size(), v = decoder.config().vocabSize();
    List<KvCache> caches = new ArrayList<>();
    List<int[]> next = new ArrayList<>();
    List<List<Integer>> out = new ArrayList<>();
    String[] finish = new String[n];
    for (Request r : requests) {
      if (r.prompt().length == 0) throw new org.lwm.core.cli.UserError("an empty prompt: give at least one token (BOS)");
      caches.add(decoder.newCache(r.prompt().length + r.maxTokens()));
      next.add(r.prompt());
      out.add(new ArrayList<>());
    }
    List<Integer> active = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (requests.get(i).maxTokens() > 0) active.add(i);
      else finish[i] = "length";
    }
    while (!active.isEmpty()) {
      List<KvCache> c = new ArrayList<>();
      List<int[]> t = new ArrayList<>();
      for (int i : active) {
        c.add(caches.get(i));
        t.add(next.get(i));
      }
      float[][] hidden = decoder.forward(c, t, null, true);
      List<Integer> still = new ArrayList<>();
      for (int a = 0; a < active.size(); a++) {
        int i = active.get(a);
        Request r = requests.get(i);
        int id = r.sampling().next(decoder.logits(hidden[a], false), 0, v);
        if (r.stop() != null && r.stop().contains(id)) {
          finish[i] = "stop";
          continue;
        }
        out.get(i).add(id);
        if (listener != null) listener.token(i, id);
        if (out.get(i).size() >= r.maxTokens()) {
          finish[i] = "length";
          continue;
        }
        next.set(i, new int[] {id});
        still.add(i);
      }
      active = still;
    }
    List<Result> results = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      results.add(new Result(out.get(i).stream().mapToInt(Integer::intValue).toArray(), finish[i], requests.get(i).prompt().length));
    }
    return results;
  }

  /** Greedy ids of one prompt, for tools and tests. */
  public int[] greedy(int[] prompt, int maxTokens, Set<Integer> stop) {
    return generate(List.of(new Request(prompt, maxTokens, Sampling.greedy(), stop)), null).get(0).tokens();
  }
}
