package org.lwm.core.tokenizer.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The encoder alone (no I/O, no JSON): one thread encoding the sample's verses in a shuffled order, with a
 * warm word cache ({@code cache=warm}, the steady state of a long job) and with a new encoder per pass
 * ({@code cache=cold}). Score: passes per second over the whole text; bench/tokenizer.sh turns it into MB/s.
 * Run with bench/tokenizer.sh (not a test).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class EncodeBenchmark {
  @Param({"warm", "cold"})
  public String cache;

  private SentencePieceTokenizer tokenizer;
  private SentencePieceTokenizer.Encoder encoder;
  private char[][] lines;

  @Setup(Level.Trial)
  public void load() throws IOException {
    Path root = Path.of(System.getProperty("lwm.repo.root", "."));
    tokenizer = SentencePieceTokenizer.load(root.resolve("samples/tokenizer.model"));
    List<String> verses = new ArrayList<>();
    try (var files = Files.list(root.resolve("samples/books"))) {
      for (Path f : files.sorted().toList()) {
        for (String l : Files.readAllLines(f, StandardCharsets.UTF_8)) if (!l.isBlank()) verses.add(l);
      }
    }
    Collections.shuffle(verses, new Random(1));
    lines = verses.stream().map(String::toCharArray).toArray(char[][]::new);
    encoder = tokenizer.newEncoder();
  }

  @Benchmark
  public long encodeAll() {
    SentencePieceTokenizer.Encoder e = cache.equals("warm") ? encoder : tokenizer.newEncoder();
    long ids = 0;
    for (char[] l : lines) {
      e.encodeToBuffer(l, 0, l.length);
      ids += e.length();
    }
    return ids;
  }
}
