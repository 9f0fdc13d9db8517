package org.lwm.core.tokenizer;

import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.lwm.core.cli.UserError;
import org.lwm.core.tokenizer.SentencePieceModel.ModelType;
import org.lwm.core.tokenizer.SentencePieceModel.PieceType;

/**
 * SentencePiece's BPE tokenizer (the LLaMA family's {@code tokenizer.model}) in pure Java, giving the
 * same ids as the SentencePiece library (checked against Debian's 0.1.97): identity normalisation with
 * the dummy-prefix {@code ▁} and whitespace escaping of the model's normalizer spec, BPE merges by piece
 * score, user-defined pieces matched first, byte fallback ({@code <0xNN>}) for characters outside the
 * vocabulary, control pieces never produced from text; decoding as SentencePiece decodes.
 *
 * <p>A model whose encoding this class cannot reproduce exactly (unigram, word or char models, any
 * normalisation rule other than identity, a denormalizer) is refused at load with a {@link UserError}
 * naming the feature, never encoded approximately.
 *
 * <p>Thread-safe: the model tables are immutable, and each thread encodes with its own {@link Encoder}
 * (scratch buffers and a cache of encoded words). Serializable as its model bytes (re-loaded on
 * deserialization), so it can be shipped to Spark executors.
 */
public final class SentencePieceTokenizer implements Serializable {
  private static final long serialVersionUID = 1L;
  static final char SPACE_SYMBOL = '\u2581';

  private final byte[] modelBytes;
  private final String identity;
  private final int n; // number of pieces
  private final String[] pieceOf;
  private final float[] scores;
  private final PieceType[] types;
  private final Map<String, Integer> pieceIds = new HashMap<>(); // every piece, by its string
  private final int unkId;
  private final int bosId;
  private final int eosId;
  private final boolean byteFallback;
  private final int[] byteIds = new int[256];
  private final String unkSurface;

  // normalizer spec
  private final boolean addDummyPrefix;
  private final boolean removeExtraWhitespaces;
  private final char spaceChar; // what ' ' becomes: U+2581 when escape_whitespaces, else ' '
  private final boolean whitespaceAsSuffix;

  private final UserSymbols userSymbols;
  final ReferenceBpe reference;
  /** False when the model needs the reference path (UNUSED pieces, whose resegmentation is per call). */
  private final boolean fastPath;

  // fast path tables
  /** Symbol id of each BMP char: its piece id, an id >= n when it only appears inside pieces, or -1. */
  private final int[] charSymbol = new int[65536];
  private final Map<Integer, Integer> supplementarySymbol = new HashMap<>();
  /** Control, unknown and byte pieces of one character: SentencePiece maps such a character to them. */
  private final Map<Integer, Integer> reservedCharacter = new HashMap<>();
  /** (left symbol << 32 | right symbol) -> id of the piece their concatenation is. */
  private final LongIntMap merges;
  /** Piece scores as order-preserving ints (higher is merged first). */
  private final int[] rank;
  /** Where the text may be cut into independently encoded words (no piece spans the cut). */
  private final Split split;
  /**
   * BMP characters in no piece longer than themselves (a newline in LLaMA-style models): BPE never merges
   * them with a neighbour, so the text may be cut before and after each. Without these cuts every line
   * break glues two words into one rarely repeated cache key.
   */
  private final boolean[] loner = new boolean[65536];

  private enum Split {
    BEFORE_SPACE, AFTER_SPACE, NONE
  }

  private final transient ThreadLocal<Encoder> encoders = ThreadLocal.withInitial(this::newEncoder);

  private SentencePieceTokenizer(byte[] modelBytes, String source) {
    this.modelBytes = modelBytes;
    this.identity = sha256(modelBytes);
    SentencePieceModel m;
    try {
      m = SentencePieceModel.parse(modelBytes);
    } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
      throw new UserError(source + ": not a SentencePiece model (" + e.getMessage() + "): pass a tokenizer.model file");
    }
    refuseUnsupported(m, source);
    n = m.size();
    pieceOf = new String[n];
    scores = new float[n];
    types = new PieceType[n];
    Map<String, Integer> mergeable = new HashMap<>();
    boolean[] unused = new boolean[n];
    List<String> userDefined = new ArrayList<>();
    int unk = -1;
    boolean[] byteFound = new boolean[256];
    boolean hasUnused = false;
    for (int i = 0; i < n; i++) {
      String p = m.piece(i);
      PieceType t = m.type(i);
      pieceOf[i] = p;
      scores[i] = m.score(i);
      types[i] = t;
      if (p.isEmpty()) throw new UserError(source + ": piece " + i + " is empty: the model is corrupt");
      if (pieceIds.putIfAbsent(p, i) != null) {
        throw new UserError(source + ": unsupported SentencePiece model: piece '" + p + "' is defined twice (ids "
            + pieceIds.get(p) + " and " + i + ")");
      }
      switch (t) {
        case NORMAL -> mergeable.put(p, i);
        case USER_DEFINED -> {
          mergeable.put(p, i);
          userDefined.add(p);
        }
        case UNUSED -> {
          mergeable.put(p, i);
          unused[i] = true;
          hasUnused = true;
        }
        case UNKNOWN -> {
          if (unk >= 0) throw new UserError(source + ": the model defines two unknown pieces (" + unk + " and " + i + ")");
          unk = i;
        }
        case BYTE -> {
          if (!m.byteFallback) throw new UserError(source + ": byte piece " + p + " found although byte_fallback is false: the model is corrupt");
          int b = pieceToByte(p);
          if (b < 0) throw new UserError(source + ": invalid byte piece " + p + ": the model is corrupt");
          byteFound[b] = true;
          byteIds[b] = i;
        }
        case CONTROL -> { }
      }
    }
    if (unk < 0) throw new UserError(source + ": the model has no unknown piece: the model is corrupt");
    if (m.byteFallback) {
      for (int b = 0; b < 256; b++) {
        if (!byteFound[b]) throw new UserError(source + ": byte_fallback is set but piece " + byteToPiece(b) + " is missing: the model is corrupt");
      }
    }
    unkId = unk;
    bosId = controlOrMinusOne(m.bosPiece);
    eosId = controlOrMinusOne(m.eosPiece);
    byteFallback = m.byteFallback;
    unkSurface = m.unkSurface;
    addDummyPrefix = m.addDummyPrefix;
    removeExtraWhitespaces = m.removeExtraWhitespaces;
    spaceChar = m.escapeWhitespaces ? SPACE_SYMBOL : ' ';
    whitespaceAsSuffix = m.treatWhitespaceAsSuffix;
    if (removeExtraWhitespaces) {
      for (String u : userDefined) {
        if (u.indexOf(' ') >= 0) {
          throw new UserError(source + ": unsupported SentencePiece model: user-defined piece '" + u
              + "' contains a space and remove_extra_whitespaces is set");
        }
      }
    }
    userSymbols = new UserSymbols(userDefined);
    reference = new ReferenceBpe(mergeable, scores, unused, userSymbols);
    fastPath = !hasUnused;

    rank = new int[n];
    for (int i = 0; i < n; i++) rank[i] = orderedBits(scores[i]);
    Arrays.fill(charSymbol, -1);
    merges = new LongIntMap(Math.max(16, mergeable.size() * 8));
    int[] nextExtra = {n};
    boolean spaceAfterOther = false;
    boolean otherAfterSpace = false;
    for (Map.Entry<String, Integer> e : mergeable.entrySet()) {
      String p = e.getKey();
      int id = e.getValue();
      if (p.codePointCount(0, p.length()) == 1) symbolOfCodePoint(p.codePointAt(0), id);
    }
    for (int i = 0; i < n; i++) {
      String p = pieceOf[i];
      boolean reserved = types[i] == PieceType.CONTROL || types[i] == PieceType.UNKNOWN || types[i] == PieceType.BYTE;
      if (reserved && p.codePointCount(0, p.length()) == 1) reservedCharacter.put(p.codePointAt(0), i);
    }
    for (Map.Entry<String, Integer> e : mergeable.entrySet()) {
      String p = e.getKey();
      int id = e.getValue();
      for (int k = 1; k < p.length(); k++) {
        if (Character.isLowSurrogate(p.charAt(k)) && Character.isHighSurrogate(p.charAt(k - 1))) continue;
        char a = p.charAt(k - 1);
        char b = p.charAt(k);
        if (b == spaceChar && a != spaceChar) spaceAfterOther = true;
        if (a == spaceChar && b != spaceChar) otherAfterSpace = true;
        int left = symbolOf(p.substring(0, k), mergeable, nextExtra);
        int right = symbolOf(p.substring(k), mergeable, nextExtra);
        if (left >= 0 && right >= 0) merges.put(((long) left << 32) | right, id);
      }
    }
    split = !spaceAfterOther ? Split.BEFORE_SPACE : !otherAfterSpace ? Split.AFTER_SPACE : Split.NONE;
    Arrays.fill(loner, true);
    for (char c = Character.MIN_SURROGATE; c <= Character.MAX_SURROGATE; c++) loner[c] = false;
    for (String p : mergeable.keySet()) {
      if (p.length() > 1) for (int k = 0; k < p.length(); k++) loner[p.charAt(k)] = false;
    }
  }

  private int symbolOf(String s, Map<String, Integer> mergeable, int[] nextExtra) {
    Integer id = mergeable.get(s);
    if (id != null) return id;
    int cp = s.codePointAt(0);
    if (Character.charCount(cp) != s.length()) return -1; // neither a piece nor one character: never a symbol
    int sym = symbolOfCodePoint(cp);
    if (sym < 0) {
      sym = nextExtra[0]++;
      symbolOfCodePoint(cp, sym);
    }
    return sym;
  }

  private int symbolOfCodePoint(int cp) {
    if (cp < 0x10000) return charSymbol[cp];
    return supplementarySymbol.getOrDefault(cp, -1);
  }

  private void symbolOfCodePoint(int cp, int sym) {
    if (cp < 0x10000) charSymbol[cp] = sym;
    else supplementarySymbol.put(cp, sym);
  }

  private int controlOrMinusOne(String piece) {
    Integer id = pieceIds.get(piece);
    return id != null && types[id] == PieceType.CONTROL ? id : -1;
  }

  private static void refuseUnsupported(SentencePieceModel m, String source) {
    String prefix = source + ": unsupported SentencePiece model: ";
    if (m.modelType != ModelType.BPE) {
      throw new UserError(prefix + m.modelType.name().toLowerCase() + " model (only BPE models, the LLaMA family's, are encoded exactly here)");
    }
    if (m.precompiledCharsmapBytes > 0 || !m.normalizationRuleTsv.isEmpty()) {
      String name = m.normalizerName.isEmpty() ? "custom" : m.normalizerName;
      throw new UserError(prefix + "normalization rule '" + name + "' (only 'identity' normalization is encoded exactly here)");
    }
    if (m.hasDenormalizer) {
      String name = m.denormalizerName.isEmpty() ? "custom" : m.denormalizerName;
      throw new UserError(prefix + "denormalization rule '" + name + "' (only identity is decoded exactly here)");
    }
  }

  // ---------------------------------------------------------------- loading

  /** Loads a {@code tokenizer.model}; a missing, unreadable or unsupported model is a {@link UserError}. */
  public static SentencePieceTokenizer load(Path modelFile) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(modelFile);
    } catch (NoSuchFileException e) {
      throw new UserError(modelFile + ": no such tokenizer model: pass the path of a SentencePiece tokenizer.model");
    } catch (IOException e) {
      throw new UserError(modelFile + ": cannot read the tokenizer model (" + e.getMessage() + ")");
    }
    return new SentencePieceTokenizer(bytes, modelFile.toString());
  }

  /** Loads a model from the bytes of a {@code tokenizer.model} (e.g. shipped to an executor). */
  public static SentencePieceTokenizer load(byte[] modelBytes) {
    return new SentencePieceTokenizer(modelBytes.clone(), "tokenizer model bytes");
  }

  // ---------------------------------------------------------------- vocabulary

  public int vocabSize() {
    return n;
  }

  public int bosId() {
    return bosId;
  }

  public int eosId() {
    return eosId;
  }

  public int unkId() {
    return unkId;
  }

  public String pieceOf(int id) {
    checkId(id);
    return pieceOf[id];
  }

  /** The piece's id, or {@link #unkId()} when the string is not a piece (SentencePiece's PieceToId). */
  public int idOf(String piece) {
    Integer id = pieceIds.get(piece);
    return id == null ? unkId : id;
  }

  public float scoreOf(int id) {
    checkId(id);
    return scores[id];
  }

  public PieceType typeOf(int id) {
    checkId(id);
    return types[id];
  }

  /** SHA-256 of the model bytes, lowercase hex: the tokenizer identity recorded in table properties. */
  public String identity() {
    return identity;
  }

  /** The model file's bytes (a copy). */
  public byte[] modelBytes() {
    return modelBytes.clone();
  }

  private void checkId(int id) {
    if (id < 0 || id >= n) throw new IllegalArgumentException("invalid token id " + id + " (vocabulary size " + n + ")");
  }

  // ---------------------------------------------------------------- encoding

  /** The ids of {@code text}, without BOS or EOS, exactly as SentencePiece encodes it. */
  public int[] encode(String text) {
    return encoders.get().encode(text);
  }

  /**
   * A fresh single-thread encoder with its own scratch buffers and word cache: what a worker thread holds
   * to encode many texts without touching shared state. Not thread-safe; {@link #encode} uses one per thread.
   */
  public Encoder newEncoder() {
    return new Encoder();
  }

  /** Whether the encoder may cut the text before and after {@code c} (no longer piece contains it). */
  boolean cutsAround(char c) {
    return loner[c];
  }

  /** SentencePiece's normalizer for identity rules: dummy prefix, whitespace escaping and trimming. */
  private int normalize(char[] in, int from, int to, char[] out) {
    int o = 0;
    int i = from;
    if (removeExtraWhitespaces) while (i < to && in[i] == ' ') i++;
    if (i == to) return 0;
    if (addDummyPrefix && !whitespaceAsSuffix) out[o++] = spaceChar;
    boolean prevSpace = removeExtraWhitespaces;
    for (; i < to; i++) {
      char c = in[i];
      if (c == ' ') {
        if (prevSpace) continue;
        out[o++] = spaceChar;
        prevSpace = removeExtraWhitespaces;
      } else {
        if (Character.isSurrogate(c)) {
          // a lone surrogate is not a character: SentencePiece sees invalid UTF-8 and substitutes U+FFFD
          if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(in[i + 1])) {
            out[o++] = c;
            c = in[++i];
          } else {
            c = '\uFFFD';
          }
        }
        out[o++] = c;
        prevSpace = false;
      }
    }
    if (removeExtraWhitespaces) while (o > 0 && out[o - 1] == spaceChar) o--;
    if (addDummyPrefix && whitespaceAsSuffix) out[o++] = spaceChar;
    return o;
  }

  /**
   * Encodes texts on one thread. Holds the scratch buffers and a cache from words (the text between the
   * cuts no piece spans, e.g. before each {@code ▁}) to their ids: BPE of a word does not depend on its
   * neighbours, so each distinct word is merged once.
   */
  public final class Encoder {
    private char[] raw = new char[256];
    private char[] norm = new char[256];
    private int[] out = new int[256];
    private int outLen;
    private int[] word = new int[64]; // one word's ids
    private int wordLen;
    private final WordCache cache = new WordCache();
    // BPE scratch: one entry per symbol of the word
    private int[] symStart = new int[64];
    private int[] symLen = new int[64];
    private int[] symId = new int[64];
    private int[] prev = new int[64];
    private int[] next = new int[64];
    private long[] heapKey = new long[64];
    private long[] heapVal = new long[64];
    private int heapSize;

    private Encoder() {}

    public int[] encode(String text) {
      int len = text.length();
      if (raw.length < len) raw = new char[Math.max(len, raw.length * 2)];
      text.getChars(0, len, raw, 0);
      return encode(raw, 0, len);
    }

    /** Encodes {@code text[from..to)}; returns a new array. */
    public int[] encode(char[] text, int from, int to) {
      encodeToBuffer(text, from, to);
      return Arrays.copyOf(out, outLen);
    }

    /** Encodes into this encoder's buffer: ids are {@link #ids()}{@code [0..}{@link #length()}{@code )}. */
    public void encodeToBuffer(char[] text, int from, int to) {
      int cap = to - from + 2;
      if (norm.length < cap) norm = new char[Math.max(cap, norm.length * 2)];
      int len = normalize(text, from, to, norm);
      outLen = 0;
      if (len == 0) return;
      if (!fastPath) {
        referenceEncode(new String(norm, 0, len));
        return;
      }
      encodeNormalized(norm, len);
    }

    public int[] ids() {
      return out;
    }

    public int length() {
      return outLen;
    }

    private void encodeNormalized(char[] a, int len) {
      final boolean hasUser = !userSymbols.isEmpty();
      final char sp = spaceChar;
      int segStart = 0;
      int rolled = 0; // the word cache's hash of a[segStart..i), rolled as the scan goes (no second pass per word)
      int i = 0;
      while (i < len) {
        char c = a[i];
        if (hasUser) {
          int m = userSymbols.match(a, i, len);
          if (m > 0) {
            if (i > segStart) encodeWord(a, segStart, i, rolled);
            appendId(pieceIds.get(new String(a, i, m)));
            i += m;
            segStart = i;
            rolled = 0;
            continue;
          }
        }
        if (i > segStart) {
          char p = a[i - 1];
          boolean cut = switch (split) {
            case BEFORE_SPACE -> c == sp && p != sp;
            case AFTER_SPACE -> c != sp && p == sp;
            case NONE -> false;
          };
          if (cut || loner[c] || loner[p]) {
            encodeWord(a, segStart, i, rolled);
            segStart = i;
            rolled = 0;
          }
        }
        rolled = WordCache.roll(rolled, c);
        i++;
      }
      if (len > segStart) encodeWord(a, segStart, len, rolled);
    }

    /** Encodes the word a[from..to); {@code rolled} is {@link WordCache#roll} over its characters. */
    private void encodeWord(char[] a, int from, int to, int rolled) {
      int len = to - from;
      if (len <= WordCache.MAX_WORD) {
        int h = WordCache.finish(rolled);
        int e = cache.find(a, from, len, h);
        if (e >= 0) {
          appendIds(cache.valPool, cache.valOff[e], cache.valLen[e]);
          return;
        }
        bpe(a, from, to);
        cache.put(a, from, len, h, word, wordLen);
      } else {
        bpe(a, from, to);
      }
      appendIds(word, 0, wordLen);
    }

    private void appendId(int id) {
      if (outLen == out.length) out = Arrays.copyOf(out, out.length * 2);
      // SentencePiece merges a run of unknown pieces into one (without byte fallback)
      if (id == unkId && outLen > 0 && out[outLen - 1] == unkId) return;
      out[outLen++] = id;
    }

    private void appendIds(int[] src, int off, int len) {
      if (len == 0) return;
      if (outLen + len > out.length) out = Arrays.copyOf(out, Math.max(outLen + len, out.length * 2));
      if (src[off] == unkId && outLen > 0 && out[outLen - 1] == unkId) {
        off++;
        len--;
      }
      System.arraycopy(src, off, out, outLen, len);
      outLen += len;
    }

    private void wordId(int id) {
      if (wordLen == word.length) word = Arrays.copyOf(word, word.length * 2);
      if (id == unkId && wordLen > 0 && word[wordLen - 1] == unkId) return;
      word[wordLen++] = id;
    }

    /** BPE of one word a[from..to) into {@code word}: SentencePiece's merge order, see {@link ReferenceBpe}. */
    private void bpe(char[] a, int from, int to) {
      wordLen = 0;
      int cap = to - from;
      if (symStart.length < cap) {
        int c = Math.max(cap, symStart.length * 2);
        symStart = new int[c];
        symLen = new int[c];
        symId = new int[c];
        prev = new int[c];
        next = new int[c];
      }
      int m = 0;
      for (int i = from; i < to; ) {
        char c = a[i];
        int sym;
        int l = 1;
        if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(a[i + 1])) {
          sym = supplementarySymbol.getOrDefault(Character.toCodePoint(c, a[i + 1]), -1);
          l = 2;
        } else {
          sym = charSymbol[c];
        }
        symStart[m] = i;
        symLen[m] = l;
        symId[m] = sym;
        prev[m] = m - 1;
        next[m] = m + 1;
        m++;
        i += l;
      }
      next[m - 1] = -1;
      heapSize = 0;
      for (int i = 1; i < m; i++) maybePush(i - 1, i);
      while (heapSize > 0) {
        long val = heapVal[0];
        int left = 0x7fffffff - (int) heapKey[0];
        pop();
        int size = (int) (val >>> 32);
        int right = next[left];
        if (symLen[left] == 0 || right < 0 || symLen[left] + symLen[right] != size) continue; // stale
        symLen[left] = size;
        symId[left] = (int) val;
        next[left] = next[right];
        if (next[right] >= 0) prev[next[right]] = left;
        symLen[right] = 0;
        maybePush(prev[left], left);
        maybePush(left, next[left]);
      }
      for (int i = 0; i != -1; i = next[i]) emitSymbol(a, symStart[i], symLen[i], symId[i]);
    }

    private void maybePush(int left, int right) {
      if (left < 0 || right < 0) return;
      int l = symId[left];
      int r = symId[right];
      if (l < 0 || r < 0) return;
      int merged = merges.get(((long) l << 32) | r);
      if (merged < 0) return;
      if (heapSize == heapKey.length) {
        heapKey = Arrays.copyOf(heapKey, heapSize * 2);
        heapVal = Arrays.copyOf(heapVal, heapSize * 2);
      }
      long key = ((long) rank[merged] << 32) | (0x7fffffffL - left);
      long val = ((long) (symLen[left] + symLen[right]) << 32) | merged;
      // sift up (max-heap on key)
      int i = heapSize++;
      while (i > 0) {
        int parent = (i - 1) >>> 1;
        if (heapKey[parent] >= key) break;
        heapKey[i] = heapKey[parent];
        heapVal[i] = heapVal[parent];
        i = parent;
      }
      heapKey[i] = key;
      heapVal[i] = val;
    }

    private void pop() {
      int last = --heapSize;
      if (last == 0) return;
      long key = heapKey[last];
      long val = heapVal[last];
      int i = 0;
      while (true) {
        int child = 2 * i + 1;
        if (child >= last) break;
        if (child + 1 < last && heapKey[child + 1] > heapKey[child]) child++;
        if (heapKey[child] <= key) break;
        heapKey[i] = heapKey[child];
        heapVal[i] = heapVal[child];
        i = child;
      }
      heapKey[i] = key;
      heapVal[i] = val;
    }

    private void emitSymbol(char[] a, int start, int len, int sym) {
      int id;
      if (sym >= 0 && sym < n) {
        id = sym;
      } else {
        // one character that is not a mergeable piece (merged symbols always are)
        id = reservedCharacter.isEmpty() ? unkId : reservedCharacter.getOrDefault(Character.codePointAt(a, start), unkId);
      }
      if (id == unkId && byteFallback) {
        emitBytes(a, start, len);
      } else {
        wordId(id);
      }
    }

    private void emitBytes(char[] a, int start, int len) {
      for (int i = start; i < start + len; i++) {
        int cp = a[i];
        if (Character.isHighSurrogate(a[i]) && i + 1 < start + len && Character.isLowSurrogate(a[i + 1])) {
          cp = Character.toCodePoint(a[i], a[++i]);
        }
        if (cp < 0x80) {
          wordId(byteIds[cp]);
        } else if (cp < 0x800) {
          wordId(byteIds[0xC0 | (cp >> 6)]);
          wordId(byteIds[0x80 | (cp & 0x3F)]);
        } else if (cp < 0x10000) {
          wordId(byteIds[0xE0 | (cp >> 12)]);
          wordId(byteIds[0x80 | ((cp >> 6) & 0x3F)]);
          wordId(byteIds[0x80 | (cp & 0x3F)]);
        } else {
          wordId(byteIds[0xF0 | (cp >> 18)]);
          wordId(byteIds[0x80 | ((cp >> 12) & 0x3F)]);
          wordId(byteIds[0x80 | ((cp >> 6) & 0x3F)]);
          wordId(byteIds[0x80 | (cp & 0x3F)]);
        }
      }
    }

    private void referenceEncode(String normalized) {
      for (String w : reference.encode(normalized)) {
        int id = idOf(w);
        if (types[id] == PieceType.UNKNOWN && byteFallback) {
          wordLen = 0;
          char[] cs = w.toCharArray();
          emitBytes(cs, 0, cs.length);
          appendIds(word, 0, wordLen);
        } else {
          appendId(id);
        }
      }
    }
  }

  /** The reference path on a whole text (tests hold the fast path to it). */
  int[] encodeWithReference(String text) {
    char[] in = text.toCharArray();
    char[] norm = new char[in.length + 2];
    int len = normalize(in, 0, in.length, norm);
    Encoder e = newEncoder();
    e.outLen = 0;
    if (len > 0) e.referenceEncode(new String(norm, 0, len));
    return Arrays.copyOf(e.out, e.outLen);
  }

  // ---------------------------------------------------------------- decoding

  /** The text of {@code ids}, exactly as SentencePiece decodes it. */
  public String decode(int[] ids) {
    return decode(ids, 0, ids.length);
  }

  /** The text of {@code ids[from..to)}. */
  public String decode(int[] ids, int from, int to) {
    StringBuilder text = new StringBuilder();
    byte[] bytes = new byte[16];
    int nBytes = 0;
    boolean isBosWs = true;
    boolean bosWsSeen = false;
    for (int k = from; k < to; k++) {
      int id = ids[k];
      checkId(id);
      PieceType t = types[id];
      if (t == PieceType.BYTE) {
        if (nBytes == bytes.length) bytes = Arrays.copyOf(bytes, nBytes * 2);
        bytes[nBytes++] = (byte) pieceToByte(pieceOf[id]);
        continue;
      }
      if (nBytes > 0) {
        Utf8.decodeLikeSentencePiece(bytes, 0, nBytes, text);
        nBytes = 0;
      }
      if (bosWsSeen || text.length() > 0) isBosWs = false;
      if (t == PieceType.CONTROL) {
        bosWsSeen = false;
      } else if (t == PieceType.UNKNOWN) {
        text.append(unkSurface);
        bosWsSeen = false;
      } else {
        String p = pieceOf[id];
        int start = 0;
        boolean hasBosWs = false;
        if (isBosWs && (addDummyPrefix || removeExtraWhitespaces)) {
          if (p.charAt(0) == SPACE_SYMBOL) {
            start = 1;
            hasBosWs = !removeExtraWhitespaces;
          }
        }
        for (int j = start; j < p.length(); j++) {
          char c = p.charAt(j);
          text.append(c == SPACE_SYMBOL ? ' ' : c);
        }
        bosWsSeen = hasBosWs;
      }
    }
    if (nBytes > 0) Utf8.decodeLikeSentencePiece(bytes, 0, nBytes, text);
    return text.toString();
  }

  // ---------------------------------------------------------------- helpers

  static String byteToPiece(int b) {
    return String.format("<0x%02X>", b);
  }

  /** The byte of a {@code <0xNN>} piece (upper-case hex, as SentencePiece writes them), else -1. */
  static int pieceToByte(String p) {
    if (p.length() != 6 || !p.startsWith("<0x") || p.charAt(5) != '>') return -1;
    int hi = Character.digit(p.charAt(3), 16);
    int lo = Character.digit(p.charAt(4), 16);
    if (hi < 0 || lo < 0 || Character.isLowerCase(p.charAt(3)) || Character.isLowerCase(p.charAt(4))) return -1;
    return hi * 16 + lo;
  }

  /** A float's bits as an int whose signed order is the float order (-0 and +0 equal). */
  static int orderedBits(float f) {
    int bits = Float.floatToIntBits(f + 0.0f);
    return bits < 0 ? bits ^ 0x7fffffff : bits;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---------------------------------------------------------------- serialization: the model bytes

  private Object writeReplace() {
    return new SerializedForm(modelBytes);
  }

  private void readObject(ObjectInputStream in) throws InvalidObjectException {
    throw new InvalidObjectException("SentencePieceTokenizer is serialized as its model bytes");
  }

  private static final class SerializedForm implements Serializable {
    private static final long serialVersionUID = 1L;
    private final byte[] modelBytes;

    SerializedForm(byte[] modelBytes) {
      this.modelBytes = modelBytes;
    }

    private Object readResolve() {
      return new SentencePieceTokenizer(modelBytes, "deserialized tokenizer model");
    }
  }

  @Override
  public String toString() {
    return "SentencePieceTokenizer[" + n + " pieces, sha256 " + identity.substring(0, 12) + "]";
  }

  static String utf8(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
