package org.lwm.qa;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.step.StepExecution;
import org.lwm.core.testing.TestSpark;
import org.lwm.core.tokenizer.SentencePieceTokenizer;

/** The sample's books and tokenizer, and a {@code book_tokens} table made from them the way ingest makes it. */
public final class QaTestData {
  static final StructType BOOK_TOKENS = new StructType()
      .add("book_id", DataTypes.StringType, false)
      .add("tokens", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
      .add("n_tokens", DataTypes.LongType, false);
  private static SentencePieceTokenizer tokenizer;

  private QaTestData() {}

  public static Path model() {
    return TestSpark.repoRoot().resolve("samples/tokenizer.model");
  }

  /** The model as the steps take it: config {@code tokenizer}. */
  public static String modelUri() {
    return model().toString();
  }

  public static synchronized SentencePieceTokenizer tokenizer() {
    if (tokenizer == null) tokenizer = SentencePieceTokenizer.load(model());
    return tokenizer;
  }

  /** Sample books whose file name passes {@code wanted}: file name → text. */
  public static Map<String, String> books(Predicate<String> wanted) {
    Map<String, String> out = new LinkedHashMap<>();
    try (var files = Files.list(TestSpark.repoRoot().resolve("samples/books"))) {
      for (Path p : files.sorted().toList()) {
        String name = p.getFileName().toString();
        if (wanted.test(name)) out.put(name, Files.readString(p));
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    if (out.isEmpty()) throw new IllegalStateException("no sample book matched");
    return out;
  }

  /** Writes {@code book_tokens} (book_id = file name) with the tokenizer's identity; returns the tokens by book. */
  public static Map<String, int[]> writeBookTokens(SparkSession spark, Lake lake, Map<String, String> books) {
    Map<String, int[]> tokens = new LinkedHashMap<>();
    List<Row> rows = new ArrayList<>();
    for (Map.Entry<String, String> b : books.entrySet()) {
      int[] ids = tokenizer().encode(b.getValue());
      tokens.put(b.getKey(), ids);
      rows.add(RowFactory.create(b.getKey(), ids, (long) ids.length));
    }
    lake.overwrite(spark.createDataFrame(rows, BOOK_TOKENS), Tables.BOOK_TOKENS);
    lake.setProperties(spark, Tables.BOOK_TOKENS, Map.of(StepExecution.TOKENIZER_PROPERTY, tokenizer().identity()));
    return tokens;
  }
}
