package org.lwm.core.step;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.StringJoiner;

/**
 * What a step's output depends on: the code version, the hash of the step's config keys, the tokenizer it was
 * given (by identity, not path), the Delta versions of the tables it read and a version of its other sources.
 * A step whose outputs record the same {@link #digest} is up to date.
 */
public record Fingerprint(String codeVersion, String configHash, String tokenizer, Map<String, Long> inputs, String sources) {

  /** {@code books@3,book_tokens@5}: the input versions as the table properties record them. */
  public String inputsText() {
    StringJoiner j = new StringJoiner(",");
    inputs.forEach((t, v) -> j.add(t + "@" + v));
    return j.toString();
  }

  public String digest() {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      String all = codeVersion + "\n" + configHash + "\n" + (tokenizer == null ? "" : tokenizer) + "\n" + inputsText() + "\n" + sources;
      return HexFormat.of().formatHex(md.digest(all.getBytes(StandardCharsets.UTF_8))).substring(0, 24);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
