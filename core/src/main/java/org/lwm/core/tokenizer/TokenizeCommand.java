package org.lwm.core.tokenizer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.lwm.core.cli.CommandProvider;
import org.lwm.core.cli.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lwm tokenize} and {@code lwm detokenize}: text lines ↔ JSON arrays of SentencePiece ids. */
public final class TokenizeCommand {
  private TokenizeCommand() {}

  /** Registers both commands with {@code lwm}. */
  public static final class TokenizeProvider implements CommandProvider {
    @Override
    public Object command() {
      return new Tokenize();
    }
  }

  public static final class DetokenizeProvider implements CommandProvider {
    @Override
    public Object command() {
      return new Detokenize();
    }
  }

  @Command(name = "tokenize", mixinStandardHelpOptions = true,
      description = {"UTF-8 text, one document per line, to one JSON array of token ids per line, in input order.",
          "Ids are exactly SentencePiece's for the model (BPE, identity normalisation; other models are refused)."})
  static final class Tokenize implements Runnable {
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "SentencePiece tokenizer.model.")
    Path model;

    @Option(names = "--input", paramLabel = "FILE|-", defaultValue = "-", description = "Text input (default: standard input).")
    String input;

    @Option(names = "--output", paramLabel = "FILE|-", defaultValue = "-", description = "Output (default: standard output).")
    String output;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "1", description = "Encoding threads (default: 1).")
    int threads;

    @Option(names = "--bos", description = "Prepend the BOS id to every line.")
    boolean bos;

    @Option(names = "--eos", description = "Append the EOS id to every line.")
    boolean eos;

    @Override
    public void run() {
      if (threads < 1) throw new UserError("--threads " + threads + ": give at least 1");
      SentencePieceTokenizer tok = SentencePieceTokenizer.load(model);
      try (InputStream in = open(input); OutputStream out = create(output)) {
        new LineTokenizer(tok, bos, eos).run(in, out, threads, name(input));
      } catch (IOException e) {
        throw new UserError("tokenize: " + e.getMessage());
      }
    }
  }

  @Command(name = "detokenize", mixinStandardHelpOptions = true,
      description = "One JSON array of token ids per line to one line of text (SentencePiece's decoding).")
  static final class Detokenize implements Runnable {
    @Option(names = "--model", required = true, paramLabel = "FILE", description = "SentencePiece tokenizer.model.")
    Path model;

    @Option(names = "--input", paramLabel = "FILE|-", defaultValue = "-", description = "JSON lines input (default: standard input).")
    String input;

    @Option(names = "--output", paramLabel = "FILE|-", defaultValue = "-", description = "Text output (default: standard output).")
    String output;

    @Override
    public void run() {
      SentencePieceTokenizer tok = SentencePieceTokenizer.load(model);
      ObjectMapper json = new ObjectMapper();
      try (BufferedReader in = new BufferedReader(new InputStreamReader(open(input), StandardCharsets.UTF_8));
          Writer out = new BufferedWriter(new OutputStreamWriter(create(output), StandardCharsets.UTF_8), 1 << 16)) {
        String line;
        long lineNo = 0;
        while ((line = in.readLine()) != null) {
          lineNo++;
          int[] ids = parseIds(json, line, name(input) + " line " + lineNo);
          for (int id : ids) {
            if (id < 0 || id >= tok.vocabSize()) {
              throw new UserError(name(input) + " line " + lineNo + ": id " + id + " is outside the model's vocabulary (0.." + (tok.vocabSize() - 1) + ")");
            }
          }
          out.write(tok.decode(ids));
          out.write('\n');
        }
      } catch (IOException e) {
        throw new UserError("detokenize: " + e.getMessage());
      }
    }
  }

  static int[] parseIds(ObjectMapper json, String line, String where) throws IOException {
    int[] ids = new int[16];
    int n = 0;
    try (JsonParser p = json.createParser(line)) {
      if (p.nextToken() != JsonToken.START_ARRAY) throw new UserError(where + ": expected a JSON array of token ids");
      JsonToken t;
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        if (t != JsonToken.VALUE_NUMBER_INT) throw new UserError(where + ": expected integer token ids, found " + p.getText());
        if (n == ids.length) ids = Arrays.copyOf(ids, n * 2);
        ids[n++] = p.getIntValue();
      }
      if (p.nextToken() != null) throw new UserError(where + ": text after the array");
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new UserError(where + ": not valid JSON (" + e.getOriginalMessage() + ")");
    }
    return Arrays.copyOf(ids, n);
  }

  private static String name(String file) {
    return file.equals("-") ? "standard input" : file;
  }

  private static InputStream open(String file) throws IOException {
    if (file.equals("-")) return System.in;
    try {
      return Files.newInputStream(Path.of(file));
    } catch (NoSuchFileException e) {
      throw new UserError(file + ": no such input file");
    }
  }

  private static OutputStream create(String file) throws IOException {
    if (file.equals("-")) return new BufferedOutputStream(new NonClosing(System.out), 1 << 16);
    return new BufferedOutputStream(Files.newOutputStream(Path.of(file)), 1 << 16);
  }

  /** Standard output flushed but not closed when the command's stream is closed. */
  private static final class NonClosing extends java.io.FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
