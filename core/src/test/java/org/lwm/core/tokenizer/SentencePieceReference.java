package org.lwm.core.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The SentencePiece library, run as a separate process: {@code spm_train} trains the test models and
 * Debian's python3-sentencepiece ({@code /usr/bin/python3}) encodes and decodes. The tests fail loudly
 * when either is missing ({@code dev/test} installs them).
 */
final class SentencePieceReference {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SentencePieceReference() {}

  static String run(Path dir, List<String> command) {
    try {
      Path log = Files.createTempFile(dir, "spm", ".log");
      Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      if (!p.waitFor(5, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new AssertionError("timed out: " + command);
      }
      String out = Files.readString(log);
      if (p.exitValue() != 0) throw new AssertionError("failed (" + p.exitValue() + "): " + command + "\n" + out);
      return out;
    } catch (IOException e) {
      throw new AssertionError("cannot run " + command.get(0) + " (install Debian's sentencepiece and python3-sentencepiece, e.g. via dev/test)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Trains a model on {@code text} with spm_train and the given flags; returns the .model path. */
  static Path train(Path dir, String name, String text, String... flags) {
    try {
      Path corpus = dir.resolve(name + ".txt");
      Files.writeString(corpus, text, StandardCharsets.UTF_8);
      List<String> cmd = new ArrayList<>(List.of("spm_train", "--input=" + corpus, "--model_prefix=" + dir.resolve(name),
          "--minloglevel=2", "--num_threads=1"));
      cmd.addAll(Arrays.asList(flags));
      run(dir, cmd);
      return dir.resolve(name + ".model");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** LLaMA-2's tokenizer settings (as samples/make-sample.sh), with the given vocabulary size. */
  static String[] llamaFlags(int vocab) {
    return new String[] {"--model_type=bpe", "--vocab_size=" + vocab, "--character_coverage=0.99995", "--byte_fallback=true",
      "--split_digits=true", "--normalization_rule_name=identity", "--add_dummy_prefix=true", "--remove_extra_whitespaces=false",
      "--allow_whitespace_only_pieces=true", "--split_by_unicode_script=true", "--split_by_number=true",
      "--split_by_whitespace=true", "--max_sentence_length=16384", "--unk_id=0", "--bos_id=1", "--eos_id=2", "--pad_id=-1",
      "--input_sentence_size=0", "--shuffle_input_sentence=false"};
  }

  static Path script(Path dir) {
    try (var in = SentencePieceReference.class.getResourceAsStream("/tokenizer/spm_reference.py")) {
      Path p = dir.resolve("spm_reference.py");
      Files.write(p, in.readAllBytes());
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** SentencePiece's ids for each text. */
  static List<int[]> encode(Path dir, Path model, List<String> texts) {
    try {
      Path in = Files.createTempFile(dir, "texts", ".jsonl");
      Path out = Files.createTempFile(dir, "ids", ".txt");
      List<String> lines = new ArrayList<>();
      for (String t : texts) lines.add(JSON.writeValueAsString(t));
      Files.write(in, lines, StandardCharsets.UTF_8);
      run(dir, List.of("/usr/bin/python3", script(dir).toString(), "encode", model.toString(), in.toString(), out.toString()));
      List<int[]> result = new ArrayList<>();
      for (String l : Files.readAllLines(out, StandardCharsets.UTF_8)) result.add(parseIds(l));
      if (result.size() != texts.size()) throw new AssertionError("reference returned " + result.size() + " lines for " + texts.size());
      return result;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** SentencePiece's decoding of each id sequence. */
  static List<String> decode(Path dir, Path model, List<int[]> idLists) {
    try {
      Path in = Files.createTempFile(dir, "ids", ".txt");
      Path out = Files.createTempFile(dir, "texts", ".jsonl");
      List<String> lines = new ArrayList<>();
      for (int[] ids : idLists) lines.add(join(ids));
      Files.write(in, lines, StandardCharsets.UTF_8);
      run(dir, List.of("/usr/bin/python3", script(dir).toString(), "decode", model.toString(), in.toString(), out.toString()));
      List<String> result = new ArrayList<>();
      for (String l : Files.readAllLines(out, StandardCharsets.UTF_8)) result.add(JSON.readValue(l, String.class));
      return result;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static int[] parseIds(String line) {
    String s = line.trim();
    if (s.isEmpty()) return new int[0];
    return Arrays.stream(s.split(" ")).mapToInt(Integer::parseInt).toArray();
  }

  static String join(int[] ids) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < ids.length; i++) {
      if (i > 0) sb.append(' ');
      sb.append(ids[i]);
    }
    return sb.toString();
  }
}
