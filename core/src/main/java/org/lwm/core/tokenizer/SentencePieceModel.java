package org.lwm.core.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A SentencePiece {@code ModelProto} ({@code .model} file) as read from its protobuf wire format: the
 * pieces with their scores and types, and the trainer and normalizer fields that decide how text is
 * encoded. Only the fields the encoder and decoder need are kept; the rest are skipped by wire type.
 *
 * <p>The wire format is small (varints, 32-bit floats and length-delimited fields), so it is read
 * here directly rather than through a generated protobuf class and a protobuf runtime dependency.
 * Field numbers are those of SentencePiece's {@code sentencepiece_model.proto}.
 */
public final class SentencePieceModel {
  /** {@code ModelProto.SentencePiece.Type}. */
  public enum PieceType {
    NORMAL(1), UNKNOWN(2), CONTROL(3), USER_DEFINED(4), UNUSED(5), BYTE(6);

    final int number;

    PieceType(int number) {
      this.number = number;
    }

    static PieceType of(int number) {
      for (PieceType t : values()) if (t.number == number) return t;
      throw new IllegalArgumentException("unknown piece type " + number);
    }
  }

  /** {@code TrainerSpec.ModelType}. */
  public enum ModelType {
    UNIGRAM(1), BPE(2), WORD(3), CHAR(4);

    final int number;

    ModelType(int number) {
      this.number = number;
    }

    static ModelType of(int number) {
      for (ModelType t : values()) if (t.number == number) return t;
      throw new IllegalArgumentException("unknown model type " + number);
    }
  }

  final List<String> pieces = new ArrayList<>();
  final List<Float> scores = new ArrayList<>();
  final List<PieceType> types = new ArrayList<>();

  // TrainerSpec (defaults as in sentencepiece_model.proto)
  ModelType modelType = ModelType.UNIGRAM;
  boolean treatWhitespaceAsSuffix = false;
  boolean byteFallback = false;
  String unkPiece = "<unk>";
  String bosPiece = "<s>";
  String eosPiece = "</s>";
  String padPiece = "<pad>";
  String unkSurface = " \u2047 ";

  // NormalizerSpec
  String normalizerName = "";
  int precompiledCharsmapBytes = 0;
  String normalizationRuleTsv = "";
  boolean addDummyPrefix = true;
  boolean removeExtraWhitespaces = true;
  boolean escapeWhitespaces = true;

  // denormalizer_spec: only whether it changes anything
  boolean hasDenormalizer = false;
  String denormalizerName = "";

  private SentencePieceModel() {}

  public int size() {
    return pieces.size();
  }

  public String piece(int id) {
    return pieces.get(id);
  }

  public float score(int id) {
    return scores.get(id);
  }

  public PieceType type(int id) {
    return types.get(id);
  }

  public ModelType modelType() {
    return modelType;
  }

  /** Parses a serialized {@code ModelProto}; throws IllegalArgumentException on malformed bytes. */
  public static SentencePieceModel parse(byte[] bytes) {
    SentencePieceModel m = new SentencePieceModel();
    Wire w = new Wire(bytes, 0, bytes.length);
    while (w.more()) {
      int tag = w.varint32();
      switch (tag) {
        case (1 << 3) | 2 -> m.readPiece(w.sub());
        case (2 << 3) | 2 -> m.readTrainerSpec(w.sub());
        case (3 << 3) | 2 -> m.readNormalizerSpec(w.sub(), false);
        case (5 << 3) | 2 -> m.readNormalizerSpec(w.sub(), true);
        default -> w.skip(tag);
      }
    }
    return m;
  }

  private void readPiece(Wire w) {
    String piece = "";
    float score = 0f;
    PieceType type = PieceType.NORMAL;
    while (w.more()) {
      int tag = w.varint32();
      switch (tag) {
        case (1 << 3) | 2 -> piece = w.string();
        case (2 << 3) | 5 -> score = w.float32();
        case (3 << 3) -> type = PieceType.of(w.varint32());
        default -> w.skip(tag);
      }
    }
    pieces.add(piece);
    scores.add(score);
    types.add(type);
  }

  private void readTrainerSpec(Wire w) {
    while (w.more()) {
      int tag = w.varint32();
      switch (tag) {
        case (3 << 3) -> modelType = ModelType.of(w.varint32());
        case (24 << 3) -> treatWhitespaceAsSuffix = w.varint64() != 0;
        case (35 << 3) -> byteFallback = w.varint64() != 0;
        case (44 << 3) | 2 -> unkSurface = w.string();
        case (45 << 3) | 2 -> unkPiece = w.string();
        case (46 << 3) | 2 -> bosPiece = w.string();
        case (47 << 3) | 2 -> eosPiece = w.string();
        case (48 << 3) | 2 -> padPiece = w.string();
        default -> w.skip(tag);
      }
    }
  }

  private void readNormalizerSpec(Wire w, boolean denormalizer) {
    String name = "";
    int charsmap = 0;
    String tsv = "";
    boolean dummy = true;
    boolean removeExtra = true;
    boolean escape = true;
    while (w.more()) {
      int tag = w.varint32();
      switch (tag) {
        case (1 << 3) | 2 -> name = w.string();
        case (2 << 3) | 2 -> charsmap = w.sub().remaining();
        case (3 << 3) -> dummy = w.varint64() != 0;
        case (4 << 3) -> removeExtra = w.varint64() != 0;
        case (5 << 3) -> escape = w.varint64() != 0;
        case (6 << 3) | 2 -> tsv = w.string();
        default -> w.skip(tag);
      }
    }
    if (denormalizer) {
      // SentencePiece builds a denormalizer only when the spec has a charsmap
      hasDenormalizer = charsmap > 0 || !tsv.isEmpty();
      denormalizerName = name;
    } else {
      normalizerName = name;
      precompiledCharsmapBytes = charsmap;
      normalizationRuleTsv = tsv;
      addDummyPrefix = dummy;
      removeExtraWhitespaces = removeExtra;
      escapeWhitespaces = escape;
    }
  }

  /** A cursor over a range of protobuf wire bytes. */
  private static final class Wire {
    private final byte[] b;
    private int pos;
    private final int end;

    Wire(byte[] b, int pos, int end) {
      this.b = b;
      this.pos = pos;
      this.end = end;
    }

    boolean more() {
      return pos < end;
    }

    int remaining() {
      return end - pos;
    }

    long varint64() {
      long result = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= end) throw new IllegalArgumentException("truncated varint");
        byte x = b[pos++];
        result |= (long) (x & 0x7f) << shift;
        if (x >= 0) return result;
      }
      throw new IllegalArgumentException("malformed varint");
    }

    int varint32() {
      return (int) varint64();
    }

    float float32() {
      if (end - pos < 4) throw new IllegalArgumentException("truncated float");
      int bits = (b[pos] & 0xff) | (b[pos + 1] & 0xff) << 8 | (b[pos + 2] & 0xff) << 16 | (b[pos + 3] & 0xff) << 24;
      pos += 4;
      return Float.intBitsToFloat(bits);
    }

    Wire sub() {
      long len = varint64();
      if (len < 0 || len > end - pos) throw new IllegalArgumentException("truncated field");
      Wire w = new Wire(b, pos, pos + (int) len);
      pos += (int) len;
      return w;
    }

    String string() {
      Wire s = sub();
      return new String(b, s.pos, s.end - s.pos, StandardCharsets.UTF_8);
    }

    void skip(int tag) {
      switch (tag & 7) {
        case 0 -> varint64();
        case 1 -> advance(8);
        case 2 -> sub();
        case 5 -> advance(4);
        default -> throw new IllegalArgumentException("unsupported wire type " + (tag & 7));
      }
    }

    private void advance(int n) {
      if (end - pos < n) throw new IllegalArgumentException("truncated field");
      pos += n;
    }
  }
}
