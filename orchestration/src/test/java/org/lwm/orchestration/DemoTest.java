package org.lwm.orchestration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.core.lake.Lake;
import org.lwm.core.lake.Tables;
import org.lwm.core.testing.TestSpark;

/** ./lwm demo on the embedded sample, in-process, into a fresh lake. */
class DemoTest {
  @TempDir Path dir;

  @Test
  void demoRunsOnTheSample() {
    String lake = dir.resolve("lake").toString();
    CliTest.Run r = CliTest.run("demo", "--lake", lake, "--samples", TestSpark.repoRoot().resolve("samples").toString());
    assertEquals(0, r.code(), r.out() + r.err());
    assertTrue(r.out().contains("books_written  66"), r.out());
    assertEquals(66, Lake.of(lake).read(TestSpark.session(), Tables.BOOKS).count());
    // a second run changes nothing
    CliTest.Run again = CliTest.run("demo", "--lake", lake, "--samples", TestSpark.repoRoot().resolve("samples").toString());
    assertEquals(0, again.code(), again.err());
    assertTrue(again.out().contains("unchanged      66"), again.out());
  }
}
