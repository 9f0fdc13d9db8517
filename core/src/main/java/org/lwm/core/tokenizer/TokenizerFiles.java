package org.lwm.core.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.cli.UserError;

/** A tokenizer.model from a path or any Hadoop URI ({@code s3a://}, {@code hdfs://}): the one loader every job uses. */
public final class TokenizerFiles {
  private TokenizerFiles() {}

  public static SentencePieceTokenizer load(SparkSession spark, String uri) {
    return SentencePieceTokenizer.load(bytes(spark, uri));
  }

  /** The identity {@link SentencePieceTokenizer#identity} would give, without parsing the model. */
  public static String identity(SparkSession spark, String uri) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes(spark, uri)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] bytes(SparkSession spark, String uri) {
    if (uri == null || uri.isBlank()) throw new UserError("no tokenizer given: pass --tokenizer FILE (config key 'tokenizer')");
    try {
      if (!uri.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
        Path p = Path.of(uri);
        if (!Files.isReadable(p)) throw new UserError("tokenizer model " + uri + " does not exist or is not readable");
        return Files.readAllBytes(p);
      }
      org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(uri);
      FileSystem fs = FileSystem.get(URI.create(uri), spark.sparkContext().hadoopConfiguration());
      try (InputStream in = fs.open(p)) {
        return in.readAllBytes();
      }
    } catch (IOException e) {
      throw new UserError("tokenizer model " + uri + " cannot be read: " + e.getMessage());
    }
  }
}
