package org.lwm.packing.format;

import java.io.Serializable;

/**
 * The knobs of LWM's TextProcessor / VisionTextProcessor, with LWM's defaults: BOS (loss 0) first, EOS (loss 1)
 * last, subfields joined by a space, nothing prepended, 256 codes per frame, {@code <eof>}=8192, {@code <eov>}=8193,
 * every frame kept ({@code maxFrames} ≤ 0). {@code lwmCompat} reproduces LWM's tokenizer adding a BOS before every
 * text field and before {@code <vision>}/{@code </vision>} (its LLaMA tokenizer has {@code add_bos_token}); the
 * default encodes text without BOS (DESIGN §9).
 */
public record FormatOptions(boolean addBos, boolean addEos, String subfieldSeparator, String prependText,
    int maxFrames, int tokensPerFrame, int eofToken, int eovToken, int visionCodes, boolean lwmCompat)
    implements Serializable {

  public static final int EOF = 8192;
  public static final int EOV = 8193;
  public static final int CODES = 8192;

  public static FormatOptions defaults() {
    return new FormatOptions(true, true, " ", "", -1, 256, EOF, EOV, CODES, false);
  }

  public FormatOptions withMaxFrames(int n) {
    return new FormatOptions(addBos, addEos, subfieldSeparator, prependText, n, tokensPerFrame, eofToken, eovToken, visionCodes, lwmCompat);
  }

  public FormatOptions withLwmCompat(boolean compat) {
    return new FormatOptions(addBos, addEos, subfieldSeparator, prependText, maxFrames, tokensPerFrame, eofToken, eovToken, visionCodes, compat);
  }

  public FormatOptions withPrependText(String text) {
    return new FormatOptions(addBos, addEos, subfieldSeparator, text, maxFrames, tokensPerFrame, eofToken, eovToken, visionCodes, lwmCompat);
  }

  public FormatOptions withBosEos(boolean bos, boolean eos) {
    return new FormatOptions(bos, eos, subfieldSeparator, prependText, maxFrames, tokensPerFrame, eofToken, eovToken, visionCodes, lwmCompat);
  }
}
