package org.lwm.qa;

import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.tokenizer.SentencePieceTokenizer;
import org.lwm.core.tokenizer.TokenizerFiles;

/**
 * Small helpers the QA jobs share: map values for Rows and short content hashes. Table names live in core's
 * {@code Tables}, the tokenizer loader in core's {@code TokenizerFiles}, tokenizer checks in core's step execution.
 */
public final class QaTables {
  private QaTables() {}

  /** A map as a Row value for a MapType column of a DataFrame made from an RDD (Spark's row encoder wants Scala maps). */
  public static scala.collection.Map<String, String> scalaMap(Map<String, String> map) {
    return scala.collection.JavaConverters.mapAsScalaMapConverter(map).asScala();
  }

  /** Short lowercase hex SHA-256 of the given strings, each length-prefixed so no two lists collide. */
  public static String sha256(int hexChars, String... parts) {
    try {
      java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
      for (String p : parts) {
        byte[] b = (p == null ? "\0null" : p).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        md.update(java.nio.ByteBuffer.allocate(4).putInt(b.length).array());
        md.update(b);
      }
      return java.util.HexFormat.of().formatHex(md.digest()).substring(0, hexChars);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
