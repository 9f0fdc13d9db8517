package org.lwm.trainer.inference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.lwm.core.cli.UserError;
import org.lwm.packing.format.FormatOptions;

/**
 * KV-cached generation of a vision span in LWM's format (DESIGN §4): after a prompt ending in {@code <vision>}, frames
 * of 256 VQGAN codes, each followed by {@code <eof>}, the last by {@code <eov>} and then the text {@code </vision>}.
 * Every code is picked from the vision head's logits restricted to the codebook (0…8191), so a frame is always 256
 * valid codes; the frame ends are not sampled but written, as LWM's {@code _sample_vision} forces {@code <eof>} every
 * 257th token. With an unconditional prompt and a scale s ≠ 1 the logits are LWM's classifier-free guidance,
 * u + s·(c − u), the conditional and unconditional sequences advancing together through one batched forward.
 */
public final class VisionGenerator {
  public static final int CODES_PER_FRAME = 256;

  /**
   * {@code frames} new frames after {@code prompt}; {@code endsVideo}: the last one ends the span ({@code <eov>}
   * {@code </vision>}), else it ends with {@code <eof>} and the span goes on (LWM's first frame of a video).
   * {@code unconditional} null (or {@code cfgScale} 1): no guidance.
   */
  public record Request(VisionPrompt prompt, VisionPrompt unconditional, double cfgScale, int frames, boolean endsVideo, Sampling sampling) {}

  /** The new frames' codes, and the continuation as the model's tokens with their vision mask. */
  public record Result(List<int[]> frames, int[] tokens, boolean[] vision) {}

  private final Decoder decoder;
  private final int[] visionEnd;

  /** {@code visionEnd}: the tokenizer's encoding of {@code </vision>}; a text-only model is refused here, before any work. */
  public VisionGenerator(Decoder decoder, int[] visionEnd) {
    int vocab = decoder.config().visionVocabSize();
    if (vocab <= FormatOptions.EOV) {
      throw new UserError(vocab == 0
          ? "the checkpoint is text-only (vision_vocab_size 0 in config.json): image and video generation need a model trained with LWM's vision vocabulary (model.vision_vocab_size: 8448, as the demo's samples/train.yaml)"
          : "the checkpoint's vision vocabulary of " + vocab + " has no room for <eof>/<eov> (" + FormatOptions.EOF + ", " + FormatOptions.EOV + "): LWM's is 8448");
    }
    this.decoder = decoder;
    this.visionEnd = visionEnd.clone();
  }

  public Result generate(Request r) {
    if (r.frames() < 1) throw new UserError("frames must be at least 1, got " + r.frames());
    if (!(r.cfgScale() >= 0) || Double.isInfinite(r.cfgScale())) throw new UserError("the guidance scale must be ≥ 0, got " + r.cfgScale());
    boolean guided = r.unconditional() != null && r.cfgScale() != 1;
    int span = r.frames() * (CODES_PER_FRAME + 1), ctx = decoder.config().maxPositions();
    int longest = Math.max(r.prompt().ids().length, guided ? r.unconditional().ids().length : 0);
    if (longest + span > ctx) {
      throw new UserError("the prompt's " + longest + " tokens and " + r.frames() + " frames of " + (CODES_PER_FRAME + 1) + " tokens exceed the model's context of "
          + ctx + " (max_position_embeddings): ask for fewer frames");
    }
    List<KvCache> caches = new ArrayList<>();
    List<int[]> next = new ArrayList<>();
    List<boolean[]> nextVision = new ArrayList<>();
    caches.add(decoder.newCache(r.prompt().ids().length + span));
    next.add(r.prompt().ids());
    nextVision.add(r.prompt().vision());
    if (guided) {
      caches.add(decoder.newCache(r.unconditional().ids().length + span));
      next.add(r.unconditional().ids());
      nextVision.add(r.unconditional().vision());
    }
    List<int[]> frames = new ArrayList<>();
    int[] tokens = new int[span + (r.endsVideo() ? visionEnd.length : 0)];
    int at = 0;
    float[] mixed = new float[FormatOptions.CODES];
    for (int f = 0; f < r.frames(); f++) {
      int[] frame = new int[CODES_PER_FRAME];
      boolean lastFrame = f == r.frames() - 1;
      for (int j = 0; j < CODES_PER_FRAME; j++) {
        float[][] hidden = decoder.forward(caches, next, nextVision, true);
        float[] cond = decoder.logits(hidden[0], true);
        if (guided) {
          float[] uncond = decoder.logits(hidden[1], true);
          float s = (float) r.cfgScale();
          for (int i = 0; i < mixed.length; i++) mixed[i] = uncond[i] + s * (cond[i] - uncond[i]);
        } else {
          System.arraycopy(cond, 0, mixed, 0, mixed.length);
        }
        int code = r.sampling().next(mixed, 0, FormatOptions.CODES);
        frame[j] = code;
        tokens[at++] = code;
        // the frame's end goes in with its last code: one forward, not two
        int[] step = j < CODES_PER_FRAME - 1 ? new int[] {code} : new int[] {code, FormatOptions.EOF};
        boolean[] vis = new boolean[step.length];
        Arrays.fill(vis, true);
        for (int i = 0; i < next.size(); i++) {
          next.set(i, step);
          nextVision.set(i, vis);
        }
        if (lastFrame && j == CODES_PER_FRAME - 1) break; // nothing more to predict
      }
      frames.add(frame);
      tokens[at++] = lastFrame && r.endsVideo() ? FormatOptions.EOV : FormatOptions.EOF;
    }
    boolean[] vision = new boolean[tokens.length];
    Arrays.fill(vision, 0, span, true);
    if (r.endsVideo()) System.arraycopy(visionEnd, 0, tokens, span, visionEnd.length);
    return new Result(frames, tokens, vision);
  }

  /**
   * A video the way LWM's {@code vision_generation.py} makes one: the first frame as {@code firstFrame} asks (the image
   * prompt, with the image's guidance and sampling), then the other {@code frames − 1} under {@code videoPrompt}
   * continuing that frame, with {@code cfgScale} and {@code sampling}, the unconditional prompt continuing it too.
   */
  public Result video(Request firstFrame, VisionPrompt videoPrompt, int frames, double cfgScale, Sampling sampling) {
    if (frames < 1) throw new UserError("frames must be at least 1, got " + frames);
    Result first = generate(new Request(firstFrame.prompt(), firstFrame.unconditional(), firstFrame.cfgScale(), 1, frames == 1, firstFrame.sampling()));
    if (frames == 1) return first;
    VisionPrompt uncond = firstFrame.unconditional() == null ? null : firstFrame.unconditional().withFrames(first.frames());
    Result rest = generate(new Request(videoPrompt.withFrames(first.frames()), uncond, cfgScale, frames - 1, true, sampling));
    List<int[]> all = new ArrayList<>(first.frames());
    all.addAll(rest.frames());
    int[] tokens = VisionPrompt.concat(first.tokens(), rest.tokens());
    boolean[] vision = Arrays.copyOf(first.vision(), tokens.length);
    System.arraycopy(rest.vision(), 0, vision, first.vision().length, rest.vision().length);
    return new Result(all, tokens, vision);
  }
}
