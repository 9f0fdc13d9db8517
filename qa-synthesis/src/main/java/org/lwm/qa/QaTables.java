package org.lwm.qa;

import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.cli.UserError;
import org.lwm.core.lake.Lake;
import org.lwm.core.tokenizer.SentencePieceTokenizer;

/**
 * What the QA jobs share: the {@code chat_mix} table name, the tokenizer identity recorded in table properties
 * (the key ingest's tokenize job writes on {@code book_tokens}) and loading the tokenizer model from any Hadoop URI.
 */
public final class QaTables {
  /** The chat fine-tuning mixture (chat + long_qa rows ready for the formatter). */
  public static final String CHAT_MIX = "chat_mix";
  /** Table property holding the SHA-256 of the tokenizer model that produced a table's tokens. */
  public static final String TOKENIZER_PROPERTY = "lwm.tokenizer";

  private QaTables() {}

  /**
   * The tokenizer identity recorded on {@code table}, or null. Read from the Delta log: Spark's redaction
   * regex (it matches "token") masks the value in SHOW TBLPROPERTIES.
   */
  public static String tokenizerOf(SparkSession spark, Lake lake, String table) {
    return property(spark, lake, table, TOKENIZER_PROPERTY);
  }

  /** One table property from the Delta log (unredacted), or null when the table or the property is missing. */
  public static String property(SparkSession spark, Lake lake, String table, String key) {
    if (!lake.exists(spark, table)) return null;
    Row detail = DeltaTable.forPath(spark, lake.table(table)).detail().select("properties").first();
    Map<String, String> props = detail.getJavaMap(0);
    return props.get(key);
  }

  /** Refuses a tokenizer other than the one {@code table} was made with. */
  public static void checkTokenizer(SparkSession spark, Lake lake, String table, SentencePieceTokenizer tokenizer) {
    String had = tokenizerOf(spark, lake, table);
    if (had != null && !had.equals(tokenizer.identity())) {
      throw new UserError(table + " in " + lake + " was made with tokenizer " + had.substring(0, 12) + "…, not with the given model "
          + tokenizer.identity().substring(0, 12) + "…: pass the tokenizer.model that tokenized the books");
    }
  }

  /** A tokenizer model from a path or any Hadoop URI (s3a://, hdfs://). */
  public static SentencePieceTokenizer loadTokenizer(SparkSession spark, String uri) {
    if (uri == null || uri.isBlank()) throw new UserError("no tokenizer given: pass --tokenizer FILE (the model that tokenized the books)");
    if (!uri.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
      if (!java.nio.file.Files.isRegularFile(java.nio.file.Path.of(uri))) {
        throw new UserError("tokenizer model " + uri + " does not exist: pass --tokenizer FILE");
      }
      return SentencePieceTokenizer.load(java.nio.file.Path.of(uri));
    }
    try (InputStream in = FileSystem.get(URI.create(uri), spark.sparkContext().hadoopConfiguration()).open(new Path(uri))) {
      return SentencePieceTokenizer.load(in.readAllBytes());
    } catch (IOException e) {
      throw new UserError("tokenizer model " + uri + " cannot be read: " + e.getMessage());
    }
  }

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
