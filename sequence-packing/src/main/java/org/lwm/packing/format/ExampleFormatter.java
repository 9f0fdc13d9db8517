package org.lwm.packing.format;

import java.io.Serializable;
import java.util.Map;
import java.util.function.Function;
import org.lwm.core.tokenizer.SentencePieceTokenizer;

/**
 * LWM's example formatting (lwm/data.py, TextProcessor and VisionTextProcessor; DESIGN §5): a record (field name →
 * text, pre-tokenized {@link TextIds}, or vision codes {@code int[]}) and a {@link FieldsSpec} become tokens, a loss
 * mask and a vision mask.
 *
 * <ul>
 *   <li>BOS with loss 0 first and EOS with loss 1 last (when enabled); {@code <|bos|>}/{@code <|eos|>} fields insert
 *       those tokens with the field's loss.
 *   <li>Text: subfields joined with the separator, {@code prependText} before the text of field 0 (only when field 0
 *       is text), encoded without BOS (or with it in {@code lwmCompat} mode); every token gets the field's loss.
 *   <li>Vision: the codes are frames of 256; more than {@code maxFrames} frames are sub-sampled at
 *       {@code linspace(0, n−1, maxFrames)} truncated to integers; the span is {@code <vision>} f₀ {@code <eof>} …
 *       fₙ₋₁ {@code <eov>} {@code </vision>}, all with the field's loss, vision mask true on codes and eof/eov.
 *       Vision ids are the raw codes, as in LWM (a separate vision vocabulary selected by the vision mask).
 * </ul>
 *
 * Deliberate differences from data.py, both on inputs LWM would mis-handle: a vision field whose length is not a
 * multiple of 256 or holds a code outside 0…8191 is refused (LWM drops a trailing partial frame silently), and a
 * missing field is a {@link FormatException} naming it (LWM raises KeyError).
 */
public final class ExampleFormatter implements Serializable {
  private final SentencePieceTokenizer tokenizer;
  private final FormatOptions options;
  private final int[] visionStart;
  private final int[] visionEnd;

  public ExampleFormatter(SentencePieceTokenizer tokenizer, FormatOptions options) {
    this.tokenizer = tokenizer;
    this.options = options;
    this.visionStart = encode("<vision>");
    this.visionEnd = encode("</vision>");
  }

  public FormatOptions options() {
    return options;
  }

  public SentencePieceTokenizer tokenizer() {
    return tokenizer;
  }

  /** Formats {@code record} with {@code spec} (parsed for the vision-aware processor). */
  public FormattedExample format(String id, String task, Map<String, ?> record, String spec) {
    return format(id, task, record::get, FieldsSpec.parse(spec, true));
  }

  public FormattedExample format(String id, String task, Function<String, ?> record, FieldsSpec spec) {
    Buffer b = new Buffer();
    if (options.addBos()) b.add(tokenizer.bosId(), 0f, false);
    for (int i = 0; i < spec.fields().size(); i++) {
      FieldsSpec.Field f = spec.fields().get(i);
      switch (f.kind()) {
        case BOS -> b.add(tokenizer.bosId(), f.loss(), false);
        case EOS -> b.add(tokenizer.eosId(), f.loss(), false);
        case VISION -> vision(b, f, record.apply(f.name()));
        case TEXT -> {
          int[] ids = text(f, record, i == 0);
          for (int id2 : ids) b.add(id2, f.loss(), false);
        }
      }
    }
    if (options.addEos()) b.add(tokenizer.eosId(), 1f, false);
    return new FormattedExample(id, task, b.tokens(), b.loss(), b.vision());
  }

  /**
   * Checks without a tokenizer that {@code record} can be formatted with {@code spec}: every named field present,
   * text as text, vision codes in whole frames of valid codes. What the LWM export runs so that LWM's trainer never
   * meets a record it would crash on (missing key) or silently cut (partial frame).
   */
  public static void check(Function<String, ?> record, FieldsSpec spec, FormatOptions options) {
    for (FieldsSpec.Field f : spec.fields()) {
      if (f.kind() == FieldsSpec.Kind.TEXT) {
        for (String key : f.subfields()) {
          Object v = record.apply(key);
          if (v == null) throw missing(key);
          if (!(v instanceof String) && !(v instanceof TextIds && f.subfields().size() == 1)) {
            throw new FormatException("field '" + key + "' holds " + describe(v) + ", not text: a field named without 'vision' must be a string");
          }
        }
      } else if (f.kind() == FieldsSpec.Kind.VISION) {
        checkCodes(f, record.apply(f.name()), options);
      }
    }
  }

  private static int[] checkCodes(FieldsSpec.Field f, Object v, FormatOptions options) {
    if (v == null) throw missing(f.name());
    if (!(v instanceof int[] codes)) {
      throw new FormatException("field '" + f.name() + "' holds " + describe(v) + ": a field whose name contains 'vision' must hold VQGAN codes");
    }
    int per = options.tokensPerFrame();
    if (codes.length == 0 || codes.length % per != 0) {
      throw new FormatException("field '" + f.name() + "' has " + codes.length + " codes, not a positive multiple of "
          + per + " (one frame = " + per + " codes)");
    }
    for (int c : codes) {
      if (c < 0 || c >= options.visionCodes()) {
        throw new FormatException("field '" + f.name() + "' holds code " + c + ", outside 0…" + (options.visionCodes() - 1));
      }
    }
    return codes;
  }

  private int[] text(FieldsSpec.Field f, Function<String, ?> record, boolean first) {
    if (f.subfields().size() == 1) {
      Object v = record.apply(f.name());
      if (v instanceof TextIds t) {
        if (first && !options.prependText().isEmpty()) {
          throw new FormatException("field '" + f.name() + "' is pre-tokenized: prepend_text cannot be applied; give the text instead");
        }
        return options.lwmCompat() ? withBos(t.ids()) : t.ids();
      }
    }
    StringBuilder text = new StringBuilder();
    for (int k = 0; k < f.subfields().size(); k++) {
      String key = f.subfields().get(k);
      Object v = record.apply(key);
      if (v == null) throw missing(key);
      if (!(v instanceof String s)) {
        throw new FormatException("field '" + key + "' holds " + describe(v) + ", not text: a field named without 'vision' must be a string");
      }
      if (k > 0) text.append(options.subfieldSeparator());
      text.append(s);
    }
    String t = first ? options.prependText() + text : text.toString();
    return encode(t);
  }

  private void vision(Buffer b, FieldsSpec.Field f, Object v) {
    int[] codes = checkCodes(f, v, options);
    int per = options.tokensPerFrame();
    int[] frames = frameIndices(codes.length / per, options.maxFrames());
    for (int t : visionStart) b.add(t, f.loss(), false);
    for (int j = 0; j < frames.length; j++) {
      int from = frames[j] * per;
      for (int k = 0; k < per; k++) b.add(codes[from + k], f.loss(), true);
      b.add(j == frames.length - 1 ? options.eovToken() : options.eofToken(), f.loss(), true);
    }
    for (int t : visionEnd) b.add(t, f.loss(), false);
  }

  /**
   * The frames kept of {@code n}: all of them, or when {@code n > max > 0}, numpy's
   * {@code linspace(0, n-1, max).astype(int)}: k·((n−1)/(max−1)) in float64, the last exactly n−1, truncated.
   */
  public static int[] frameIndices(int n, int max) {
    if (max <= 0 || n <= max) {
      int[] all = new int[n];
      for (int i = 0; i < n; i++) all[i] = i;
      return all;
    }
    int[] idx = new int[max];
    if (max == 1) return idx;
    double step = (double) (n - 1) / (max - 1);
    for (int k = 0; k < max; k++) idx[k] = (int) (k * step);
    idx[max - 1] = n - 1;
    return idx;
  }

  private int[] encode(String text) {
    int[] ids = tokenizer.encode(text);
    return options.lwmCompat() ? withBos(ids) : ids;
  }

  private int[] withBos(int[] ids) {
    int[] out = new int[ids.length + 1];
    out[0] = tokenizer.bosId();
    System.arraycopy(ids, 0, out, 1, ids.length);
    return out;
  }

  private static FormatException missing(String key) {
    return new FormatException("the record has no field '" + key + "' named by the fields spec");
  }

  private static String describe(Object v) {
    if (v instanceof int[] a) return "an array of " + a.length + " integers";
    if (v instanceof TextIds t) return "pre-tokenized text (" + t.ids().length + " ids)";
    return v.getClass().getSimpleName();
  }

  /** Growable parallel arrays. */
  private static final class Buffer {
    int[] tokens = new int[64];
    float[] loss = new float[64];
    boolean[] vision = new boolean[64];
    int n;

    void add(int token, float l, boolean v) {
      if (n == tokens.length) {
        int cap = n * 2;
        tokens = java.util.Arrays.copyOf(tokens, cap);
        loss = java.util.Arrays.copyOf(loss, cap);
        vision = java.util.Arrays.copyOf(vision, cap);
      }
      tokens[n] = token;
      loss[n] = l;
      vision[n++] = v;
    }

    int[] tokens() {
      return java.util.Arrays.copyOf(tokens, n);
    }

    float[] loss() {
      return java.util.Arrays.copyOf(loss, n);
    }

    boolean[] vision() {
      return java.util.Arrays.copyOf(vision, n);
    }
  }
}
