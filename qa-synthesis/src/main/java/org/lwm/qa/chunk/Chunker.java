package org.lwm.qa.chunk;

import java.util.ArrayList;
import java.util.List;
import org.lwm.core.tokenizer.SentencePieceModel.PieceType;
import org.lwm.core.tokenizer.SentencePieceTokenizer;

/**
 * A book's tokens cut into consecutive blocks of {@code size} tokens (the last one shorter), with each block's
 * text. Token ranges cover the book exactly, in order, without overlap. The texts concatenate to the decoded
 * book: a block after the first keeps the space its first piece's {@code ▁} stands for (decoding alone would
 * drop it as a leading dummy prefix), and a character spelled as several byte-fallback pieces that a cut
 * splits goes whole to the block where it starts, so no block's text holds half a UTF-8 character.
 */
public final class Chunker {
  /** One block: tokens {@code [tokenStart, tokenEnd)} of the book and their text. */
  public record Chunk(int index, int tokenStart, int tokenEnd, String text) {
    public int nTokens() {
      return tokenEnd - tokenStart;
    }
  }

  private final SentencePieceTokenizer tokenizer;
  private final int size;

  public Chunker(SentencePieceTokenizer tokenizer, int size) {
    if (size < 1) throw new IllegalArgumentException("chunk size must be at least 1 token, not " + size);
    this.tokenizer = tokenizer;
    this.size = size;
  }

  public List<Chunk> chunk(int[] tokens) {
    List<Chunk> chunks = new ArrayList<>(count(tokens.length));
    for (int i = 0; i < count(tokens.length); i++) chunks.add(chunk(tokens, i));
    return chunks;
  }

  /** How many blocks a book of {@code nTokens} tokens has. */
  public int count(int nTokens) {
    return (int) (((long) nTokens + size - 1) / size);
  }

  /** Block {@code index} of the book alone, so a long book's blocks can be written one by one. */
  public Chunk chunk(int[] tokens, int index) {
    int start = index * size;
    int end = Math.min(tokens.length, start + size);
    return new Chunk(index, start, end, text(tokens, start, end));
  }

  private String text(int[] tokens, int start, int end) {
    int from = start;
    if (start > 0) while (from < end && isContinuationByte(tokens[from])) from++;
    int to = end;
    while (to < tokens.length && isContinuationByte(tokens[to])) to++;
    String text = tokenizer.decode(tokens, from, to);
    if (from > 0 && from < to && isText(tokens[from]) && tokenizer.pieceOf(tokens[from]).startsWith("▁")) {
      return " " + text;
    }
    return text;
  }

  /** A piece decoding writes as its own text (what decoding strips a leading {@code ▁} from). */
  private boolean isText(int id) {
    PieceType t = tokenizer.typeOf(id);
    return t != PieceType.BYTE && t != PieceType.CONTROL && t != PieceType.UNKNOWN;
  }

  /** A byte-fallback piece {@code <0xNN>} whose byte continues a UTF-8 sequence (10xxxxxx). */
  private boolean isContinuationByte(int id) {
    if (tokenizer.typeOf(id) != PieceType.BYTE) return false;
    int b = Integer.parseInt(tokenizer.pieceOf(id).substring(3, 5), 16);
    return (b & 0xC0) == 0x80;
  }
}
