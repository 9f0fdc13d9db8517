package org.lwm.packing.lake;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.struct;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.spark.CatalystRows;
import org.lwm.core.records.ChatTemplate;
import org.lwm.packing.format.SourceRecord;
import org.lwm.packing.format.TextIds;

/**
 * The lake's tables as LWM source records, each tagged with its task:
 * <ul>
 *   <li>{@code text}: a book of {@code book_tokens} (pre-tokenized, spec {@code text}), or its text from {@code books}
 *       for the LWM export;
 *   <li>{@code long_qa} and {@code chat_mix}: their own {@code fields} spec over {@code parts};
 *   <li>{@code chat}: the conversation through core's {@link ChatTemplate}, the template qa-synthesis writes too;
 *   <li>vision, from {@code videos} and the frames' codes in {@code vision_tokens} (frame order): one frame is an
 *       image, more a video; the caption gives {@code text_to_image}/{@code text_to_video} ({@code [caption],vision})
 *       and {@code image_to_text}/{@code video_to_text} ({@code [vision],caption}); each QA pair another
 *       {@code *_to_text} example ({@code [vision],[question],answer}).
 * </ul>
 * A row that cannot become a record comes back as a record with a null spec and the reason in {@code task}.
 */
public final class ExampleSources {
  /** Task names; the tables are core's {@link Tables}. */
  public static final String TEXT = "text", LONG_QA = "long_qa", CHAT = "chat", CHAT_MIX = "chat_mix";
  public static final List<String> VISION_TASKS = List.of("text_to_image", "image_to_text", "text_to_video", "video_to_text");

  private ExampleSources() {}

  /** Every source present in the lake; {@code booksAsText} reads book text instead of book tokens. */
  public static JavaRDD<SourceRecord> all(SparkSession spark, Lake lake, boolean booksAsText) {
    List<JavaRDD<SourceRecord>> parts = new ArrayList<>();
    if (booksAsText ? lake.exists(spark, Tables.BOOKS) : lake.exists(spark, Tables.BOOK_TOKENS)) parts.add(books(spark, lake, booksAsText));
    if (lake.exists(spark, Tables.LONG_QA)) parts.add(fieldsTable(lake.read(spark, Tables.LONG_QA), LONG_QA));
    if (lake.exists(spark, Tables.CHAT_MIX)) parts.add(fieldsTable(lake.read(spark, Tables.CHAT_MIX), CHAT_MIX));
    if (lake.exists(spark, Tables.CHAT)) parts.add(chat(lake.read(spark, Tables.CHAT)));
    if (lake.exists(spark, Tables.VIDEOS) && lake.exists(spark, Tables.VISION_TOKENS)) parts.add(vision(spark, lake));
    JavaRDD<SourceRecord> out = null;
    for (JavaRDD<SourceRecord> p : parts) out = out == null ? p : out.union(p);
    return out == null ? org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext()).emptyRDD() : out;
  }

  /** True when the lake has at least one table {@link #all} reads. */
  public static boolean anyPresent(SparkSession spark, Lake lake, boolean booksAsText) {
    return lake.exists(spark, booksAsText ? Tables.BOOKS : Tables.BOOK_TOKENS) || lake.exists(spark, Tables.LONG_QA) || lake.exists(spark, Tables.CHAT_MIX)
        || lake.exists(spark, Tables.CHAT) || (lake.exists(spark, Tables.VIDEOS) && lake.exists(spark, Tables.VISION_TOKENS));
  }

  static JavaRDD<SourceRecord> books(SparkSession spark, Lake lake, boolean asText) {
    if (asText) {
      return lake.read(spark, Tables.BOOKS).select("book_id", "text").javaRDD().map(r -> {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("text", r.getString(1));
        return new SourceRecord("book:" + r.getString(0), TEXT, "text", v);
      });
    }
    // a book's tokens straight from Spark's array into an int[] (not through a boxed List<Integer>)
    return CatalystRows.ofBooks(lake.read(spark, Tables.BOOK_TOKENS).select("book_id", "tokens")).map(r -> {
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("text", new TextIds(r.getArray(1).toIntArray()));
      return new SourceRecord("book:" + r.getUTF8String(0).toString(), TEXT, "text", v);
    });
  }

  /** long_qa / chat_mix: example_id, fields (a spec over the keys of parts), parts map. */
  static JavaRDD<SourceRecord> fieldsTable(Dataset<Row> table, String task) {
    java.util.Set<String> columns = java.util.Set.of(table.columns());
    for (String c : List.of("example_id", "fields", "parts")) {
      if (!columns.contains(c)) {
        throw new org.lwm.core.cli.UserError("table " + (task.equals(LONG_QA) ? Tables.LONG_QA : Tables.CHAT_MIX) + " has no column '" + c
            + "' (it has " + String.join(", ", table.columns()) + "): rebuild it with the qa-synthesis version that writes fields and parts");
      }
    }
    return table.select("example_id", "fields", "parts").javaRDD().map(r -> {
      String id = task + ":" + r.getString(0);
      if (r.isNullAt(1) || r.isNullAt(2)) return failed(id, "row has no fields spec or no parts");
      Map<String, Object> v = new LinkedHashMap<>(r.<String, String>getJavaMap(2));
      return new SourceRecord(id, task, r.getString(1), v);
    });
  }

  static JavaRDD<SourceRecord> chat(Dataset<Row> table) {
    return table.select("example_id", "turns").javaRDD().map(r -> {
      String id = CHAT + ":" + r.getString(0);
      if (r.isNullAt(1)) return failed(id, "chat has no turns");
      List<String> roles = new ArrayList<>();
      List<String> contents = new ArrayList<>();
      for (Row t : r.<Row>getList(1)) {
        roles.add(t.getAs("role"));
        contents.add(t.getAs("content"));
      }
      ChatTemplate.Formatted f;
      try {
        f = ChatTemplate.chat(roles, contents);
      } catch (ChatTemplate.UnknownRole e) {
        return failed(id, "chat " + id + ": " + e.getMessage());
      }
      if (f == null) return failed(id, "chat " + id + ": no assistant answer to learn from");
      return new SourceRecord(id, CHAT, f.fields(), new LinkedHashMap<>(f.parts()));
    });
  }

  static JavaRDD<SourceRecord> vision(SparkSession spark, Lake lake) {
    Dataset<Row> frames = lake.read(spark, Tables.VISION_TOKENS)
        .groupBy("video_id").agg(collect_list(struct(col("frame_index"), col("codes"))).as("frames"));
    Dataset<Row> videos = lake.read(spark, Tables.VIDEOS).select("video_id", "captions", "qa");
    return videos.join(frames, "video_id").javaRDD().flatMap(r -> visionRecords(r).iterator());
  }

  static List<SourceRecord> visionRecords(Row r) {
    String videoId = r.getAs("video_id");
    List<Row> frames = new ArrayList<>(r.<Row>getList(r.fieldIndex("frames")));
    frames.sort((a, b) -> Long.compare(((Number) a.get(0)).longValue(), ((Number) b.get(0)).longValue()));
    int n = 0;
    for (Row f : frames) n += f.getList(1).size();
    int[] codes = new int[n];
    int o = 0;
    for (Row f : frames) for (Object c : f.getList(1)) codes[o++] = ((Number) c).intValue();
    boolean image = frames.size() == 1;
    String kind = image ? "image" : "video";
    List<SourceRecord> out = new ArrayList<>();
    String caption = r.isNullAt(r.fieldIndex("captions")) ? null : r.getAs("captions");
    if (caption != null && !caption.isBlank()) {
      out.add(new SourceRecord("text_to_" + kind + ":" + videoId, "text_to_" + kind, "[caption],vision", Map.of("caption", caption, "vision", codes)));
      out.add(new SourceRecord(kind + "_to_text:" + videoId, kind + "_to_text", "[vision],caption", Map.of("caption", caption, "vision", codes)));
    }
    if (!r.isNullAt(r.fieldIndex("qa"))) {
      int k = 0;
      for (Row qa : r.<Row>getList(r.fieldIndex("qa"))) {
        String q = qa.getAs("question"), a = qa.getAs("answer");
        String id = kind + "_to_text:" + videoId + ":qa" + k++;
        if (q == null || a == null) {
          out.add(failed(id, "QA pair without a question or an answer"));
          continue;
        }
        out.add(new SourceRecord(id, kind + "_to_text", "[vision],[question],answer", Map.of("question", q, "answer", a, "vision", codes)));
      }
    }
    if (out.isEmpty()) out.add(failed("vision:" + videoId, "video has neither a caption nor QA pairs: nothing to pair its frames with"));
    return out;
  }

  /** A row that could not become a record: null spec, the reason in task. */
  static SourceRecord failed(String id, String reason) {
    return new SourceRecord(id, reason, null, Map.of());
  }
}
