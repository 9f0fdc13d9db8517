package org.lwm.trainer.inference;

import java.util.Arrays;
import java.util.List;
import org.lwm.core.cli.UserError;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.packing.format.FormatOptions;

/**
 * Ids and their vision mask that open a vision span for {@link VisionGenerator}. LWM's {@code vision_generation.py}
 * asks its chat model {@code You are a helpful assistant. USER: Generate an image of {prompt} ASSISTANT: <vision>}
 * ("a video of" for video) and guides it against the unconditional {@code <s><vision>}; here the template's parts
 * and {@code <vision>} are encoded one by one, as the formatter encodes training examples (DESIGN §4, §9).
 */
public record VisionPrompt(int[] ids, boolean[] vision) {
  /** What LWM's template asks for: {@code image} or {@code video}. */
  public enum Kind {
    IMAGE("Generate an image of "), VIDEO("Generate a video of ");

    final String request;

    Kind(String request) {
      this.request = request;
    }
  }

  public VisionPrompt {
    if (ids.length != vision.length) throw new IllegalArgumentException(ids.length + " ids, " + vision.length + " vision flags");
  }

  /** LWM's chat template asking for an image or a video of {@code text}, then {@code <vision>}. */
  public static VisionPrompt lwm(SentencePieceTokenizer tok, Kind kind, String text) {
    if (text == null || text.isBlank()) throw new UserError("an empty --prompt: say what to generate");
    return text(concat(ChatPrompt.tokens(tok, List.of("user"), List.of(kind.request + text.strip())), tok.encode("<vision>")));
  }

  /** The prompt as the pipeline's text_to_image/text_to_video examples hold it: BOS, the text, {@code <vision>}. */
  public static VisionPrompt plain(SentencePieceTokenizer tok, String text) {
    if (text == null || text.isBlank()) throw new UserError("an empty --prompt: say what to generate");
    return text(concat(ChatPrompt.plain(tok, text.strip()), tok.encode("<vision>")));
  }

  /** Classifier-free guidance's unconditional prompt, LWM's {@code <s><vision>}. */
  public static VisionPrompt unconditional(SentencePieceTokenizer tok) {
    return text(concat(new int[] {tok.bosId()}, tok.encode("<vision>")));
  }

  /** Text ids only. */
  public static VisionPrompt text(int[] ids) {
    return new VisionPrompt(ids, new boolean[ids.length]);
  }

  /** This prompt followed by whole frames, each of 256 codes and then {@code <eof>} (LWM's video continuation). */
  public VisionPrompt withFrames(List<int[]> frames) {
    int n = ids.length;
    int[] out = Arrays.copyOf(ids, n + frames.size() * (VisionGenerator.CODES_PER_FRAME + 1));
    boolean[] vis = Arrays.copyOf(vision, out.length);
    for (int[] f : frames) {
      if (f.length != VisionGenerator.CODES_PER_FRAME) throw new UserError("a frame of " + f.length + " codes, not " + VisionGenerator.CODES_PER_FRAME);
      for (int c : f) {
        if (c < 0 || c >= FormatOptions.CODES) throw new UserError("code " + c + " is outside the VQGAN codebook (0…" + (FormatOptions.CODES - 1) + ")");
        vis[n] = true;
        out[n++] = c;
      }
      vis[n] = true;
      out[n++] = FormatOptions.EOF;
    }
    return new VisionPrompt(out, vis);
  }

  static int[] concat(int[] a, int[] b) {
    int[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
