package org.lwm.ingest.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.core.lake.JobCounts;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.testing.TestSpark;

class ChatJobTest {
  @TempDir Path dir;

  @Test
  void parsesEachFormatIntoRoleTurns() {
    var u = Conversations.parse("{\"id\": \"7\", \"data\": [\"Hi?\", \"Hello.\", \"Why?\", \"Because.\"]}", "ultrachat");
    assertEquals(List.of(new Conversations.Turn("user", "Hi?"), new Conversations.Turn("assistant", "Hello."),
        new Conversations.Turn("user", "Why?"), new Conversations.Turn("assistant", "Because.")), u.turns());
    assertEquals("7", u.id());
    var s = Conversations.parse("{\"conversations\": [{\"from\": \"system\", \"value\": \"Be brief.\"}, {\"from\": \"human\", \"value\": \"Hi?\"}, {\"from\": \"gpt\", \"value\": \"Hello.\"}]}", "auto");
    assertEquals("sharegpt", s.format());
    assertEquals(List.of("system", "user", "assistant"), s.turns().stream().map(Conversations.Turn::role).toList());
    assertEquals("unknown-role", Conversations.parse("{\"conversations\": [{\"from\": \"robot\", \"value\": \"x\"}]}", "auto").reason());
    assertEquals("bad-turn", Conversations.parse("{\"data\": [\"q\", 3]}", "ultrachat").reason());
    assertEquals("no-assistant-turn", Conversations.parse("{\"data\": [\"only a question\"]}", "ultrachat").reason());
    assertEquals("invalid-json", Conversations.parse("{\"data\": [", "auto").reason());
    // the same turns give the same id whatever the format
    assertEquals(Conversations.exampleId(u.turns().subList(0, 2)),
        Conversations.exampleId(Conversations.parse("{\"messages\": [{\"role\": \"user\", \"content\": \"Hi?\"}, {\"role\": \"assistant\", \"content\": \"Hello.\"}]}", "auto").turns()));
  }

  @Test
  void ingestsUltraChatShareGptAndParquetWithAccounting() throws Exception {
    SparkSession spark = TestSpark.session();
    Lake lake = TestSpark.newLake();
    Path in = Files.createDirectories(dir.resolve("chat"));
    Files.writeString(in.resolve("ultrachat.jsonl"), String.join("\n",
        "{\"id\": \"1\", \"data\": [\"What is a lake?\", \"A body of water.\"]}",
        "{\"id\": \"2\", \"data\": [\"Name a river.\", \"The Nile.\", \"Longer?\", \"The Amazon, by some measures.\"]}",
        "{\"id\": \"3\", \"data\": [\"What is a lake?\", \"A body of water.\"]}",
        "not json",
        "") + "\n");
    Files.writeString(in.resolve("sharegpt.jsonl"),
        "{\"conversations\": [{\"from\": \"human\", \"value\": \"Hello\"}, {\"from\": \"gpt\", \"value\": \"Hi there.\"}]}\n"
            + "{\"conversations\": [{\"from\": \"alien\", \"value\": \"Zorp\"}]}\n");
    StructType msg = new StructType().add("content", DataTypes.StringType).add("role", DataTypes.StringType);
    StructType schema = new StructType().add("prompt_id", DataTypes.StringType).add("messages", DataTypes.createArrayType(msg));
    spark.createDataFrame(List.of(RowFactory.create("p1", List.of(RowFactory.create("Parquet?", "user"), RowFactory.create("Columnar.", "assistant")))), schema)
        .coalesce(1).write().parquet(dir.resolve("pq").toString());

    List<String> inputs = List.of(in.toString(), dir.resolve("pq").toString());
    JobCounts c = ChatJob.run(spark, lake, inputs, "auto", TestSpark.config());
    c.print(System.out);
    assertEquals(7, c.get("seen"));
    assertEquals(4, c.get("written"));
    assertEquals(1, c.get("duplicates"));
    assertEquals(1, c.get("rejected.invalid-json"));
    assertEquals(1, c.get("rejected.unknown-role"));
    assertEquals(c.get("seen"), c.get("written") + c.get("unchanged") + c.get("duplicates") + c.get("rejected"));

    Map<String, Row> byId = lake.read(spark, Tables.CHAT).collectAsList().stream().filter(r -> r.getAs("id") != null)
        .collect(Collectors.toMap(r -> r.<String>getAs("id"), r -> r));
    List<Row> turns = byId.get("2").getList(byId.get("2").fieldIndex("turns"));
    assertEquals(4, turns.size());
    assertEquals("assistant", turns.get(3).getString(0));
    assertEquals("The Amazon, by some measures.", turns.get(3).getString(1));
    assertEquals("messages", byId.get("p1").getAs("format"));

    JobCounts again = ChatJob.run(spark, lake, inputs, "auto", TestSpark.config());
    assertEquals(0, again.get("written"));
    assertEquals(4, again.get("unchanged"));
    assertEquals(4, lake.read(spark, Tables.CHAT).count());
  }
}
