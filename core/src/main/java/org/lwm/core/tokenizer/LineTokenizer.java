package org.lwm.core.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.lwm.core.cli.UserError;

/**
 * {@code lwm tokenize}'s engine: UTF-8 text, one document per line ({@code \n}-separated, as spm_encode reads
 * it), to one JSON array of ids per line, in input order. Input is cut into blocks of whole lines; with
 * {@code threads > 1} blocks are encoded in parallel (each worker thread with its own encoder) and written in
 * order, with at most {@code 2·threads} blocks in flight so memory stays bounded.
 */
public final class LineTokenizer {
  static final int BLOCK_BYTES = 1 << 20;

  private final SentencePieceTokenizer tokenizer;
  private final boolean bos;
  private final boolean eos;
  private final ThreadLocal<SentencePieceTokenizer.Encoder> encoders;

  public LineTokenizer(SentencePieceTokenizer tokenizer, boolean bos, boolean eos) {
    this.tokenizer = tokenizer;
    this.bos = bos;
    this.eos = eos;
    this.encoders = ThreadLocal.withInitial(tokenizer::newEncoder);
  }

  /** What a run did: lines and input bytes. */
  public record Counts(long lines, long bytes) {}

  /** Tokenizes {@code in} into {@code out}; {@code source} names the input in errors. */
  public Counts run(InputStream in, OutputStream out, int threads, String source) throws IOException {
    BlockReader reader = new BlockReader(in);
    long lines = 0;
    long bytes = 0;
    if (threads <= 1) {
      Block b;
      while ((b = reader.next()) != null) {
        out.write(encodeBlock(b, source));
        lines += b.lines;
        bytes += b.length;
      }
      out.flush();
      return new Counts(lines, bytes);
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "tokenize");
      t.setDaemon(true);
      return t;
    });
    try {
      ArrayDeque<Future<byte[]>> inFlight = new ArrayDeque<>();
      Block b;
      while ((b = reader.next()) != null) {
        Block block = b;
        lines += b.lines;
        bytes += b.length;
        inFlight.add(pool.submit(() -> encodeBlock(block, source)));
        if (inFlight.size() >= 2 * threads) out.write(await(inFlight.poll()));
      }
      while (!inFlight.isEmpty()) out.write(await(inFlight.poll()));
      out.flush();
      return new Counts(lines, bytes);
    } finally {
      pool.shutdownNow();
    }
  }

  private static byte[] await(Future<byte[]> f) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UserError u) throw u;
      if (e.getCause() instanceof IOException io) throw io;
      throw new IllegalStateException(e.getCause());
    }
  }

  /** One block of whole lines: bytes [0, length) of {@code data}, the first being line {@code firstLine} (1-based). */
  record Block(byte[] data, int length, long firstLine, int lines) {}

  /** Decodes a block strictly and encodes each line to {@code [id,id,...]\n}. */
  byte[] encodeBlock(Block b, String source) {
    CharBuffer chars;
    CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    try {
      chars = dec.decode(ByteBuffer.wrap(b.data, 0, b.length));
    } catch (CharacterCodingException e) {
      throw new UserError(source + " line " + badLine(b) + ": not valid UTF-8: tokenize reads UTF-8 text, one document per line");
    }
    char[] text = chars.array();
    int end = chars.limit();
    SentencePieceTokenizer.Encoder enc = encoders.get();
    IdWriter w = new IdWriter(b.length * 2 + 64);
    int start = 0;
    for (int i = 0; i <= end; i++) {
      if (i == end && start == end) break; // no unterminated last line
      if (i == end || text[i] == '\n') {
        enc.encodeToBuffer(text, start, i);
        w.line(enc.ids(), enc.length(), bos ? tokenizer.bosId() : -1, eos ? tokenizer.eosId() : -1);
        start = i + 1;
      }
    }
    return w.toBytes();
  }

  /** The 1-based line number of the first malformed line in a block (only on the error path). */
  private static long badLine(Block b) {
    CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    int start = 0;
    long line = b.firstLine;
    for (int i = 0; i <= b.length; i++) {
      if (i == b.length || b.data[i] == '\n') {
        try {
          dec.reset().decode(ByteBuffer.wrap(b.data, start, i - start));
        } catch (CharacterCodingException e) {
          return line;
        }
        line++;
        start = i + 1;
      }
    }
    return line;
  }

  /** Reads blocks of about {@link #BLOCK_BYTES}, cut after a newline (a longer line makes a longer block). */
  static final class BlockReader {
    private final InputStream in;
    private byte[] carry = new byte[0];
    private int carryLen;
    private long nextLine = 1;
    private boolean eof;

    BlockReader(InputStream in) {
      this.in = in;
    }

    Block next() throws IOException {
      if (eof && carryLen == 0) return null;
      byte[] buf = Arrays.copyOf(carry, Math.max(BLOCK_BYTES, 2 * carryLen));
      int len = carryLen;
      int blockLen;
      while (true) {
        while (!eof && len < buf.length) {
          int r = in.read(buf, len, buf.length - len);
          if (r < 0) eof = true;
          else len += r;
        }
        if (eof) {
          blockLen = len;
          break;
        }
        int cut = lastNewline(buf, 0, len);
        if (cut >= 0) {
          blockLen = cut + 1;
          break;
        }
        buf = Arrays.copyOf(buf, buf.length * 2); // one line longer than a block: read on
      }
      carryLen = len - blockLen;
      carry = Arrays.copyOfRange(buf, blockLen, len);
      if (blockLen == 0) return null;
      int lines = countLines(buf, blockLen);
      Block b = new Block(buf, blockLen, nextLine, lines);
      nextLine += lines;
      return b;
    }

    private static int lastNewline(byte[] b, int from, int to) {
      for (int i = to - 1; i >= from; i--) if (b[i] == '\n') return i;
      return -1;
    }

    private static int countLines(byte[] b, int len) {
      int n = 0;
      for (int i = 0; i < len; i++) if (b[i] == '\n') n++;
      return len > 0 && b[len - 1] != '\n' ? n + 1 : n;
    }
  }

  /** Writes ids as ASCII JSON arrays straight into a byte buffer. */
  static final class IdWriter {
    private byte[] buf;
    private int len;
    private final byte[] digits = new byte[11];

    IdWriter(int capacity) {
      buf = new byte[capacity];
    }

    void line(int[] ids, int n, int bos, int eos) {
      ensure(2 + 12 * (n + 2));
      buf[len++] = '[';
      boolean first = true;
      if (bos >= 0) {
        number(bos);
        first = false;
      }
      for (int i = 0; i < n; i++) {
        if (!first) buf[len++] = ',';
        number(ids[i]);
        first = false;
      }
      if (eos >= 0) {
        if (!first) buf[len++] = ',';
        number(eos);
      }
      buf[len++] = ']';
      buf[len++] = '\n';
    }

    private void number(int v) {
      if (v == 0) {
        buf[len++] = '0';
        return;
      }
      int d = 0;
      while (v > 0) {
        digits[d++] = (byte) ('0' + v % 10);
        v /= 10;
      }
      while (d > 0) buf[len++] = digits[--d];
    }

    private void ensure(int extra) {
      if (len + extra > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
    }

    byte[] toBytes() {
      return Arrays.copyOf(buf, len);
    }
  }
}
