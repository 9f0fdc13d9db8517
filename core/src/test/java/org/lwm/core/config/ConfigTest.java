package org.lwm.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.core.cli.UserError;

class ConfigTest {
  @TempDir Path dir;

  @Test
  void yamlIsFlattenedAndOverridesWin() throws Exception {
    Path f = dir.resolve("c.yaml");
    Files.writeString(f, "lake: /tmp/l\nqa:\n  chunk_tokens: 1000\n  lengths: [2048, 8192]\nspark:\n  master: local[2]\n");
    Config c = Config.load(f, Map.of("qa.chunk_tokens", "500"));
    assertEquals("/tmp/l", c.get("lake", null));
    assertEquals(500, c.getInt("qa.chunk_tokens", 0));
    assertEquals("2048,8192", c.get("qa.lengths", null));
    assertEquals(Map.of("chunk_tokens", "500", "lengths", "2048,8192"), c.subset("qa"));
    assertEquals("local[2]", c.get("spark.master", null));
  }

  @Test
  void flattenTurnsATreeIntoDottedKeys() throws Exception {
    com.fasterxml.jackson.databind.JsonNode tree = new com.fasterxml.jackson.databind.ObjectMapper(
        new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree("qa: {chunk_tokens: 1000, lengths: [2K, 8K]}\nskip: null\nlake: l\n");
    assertEquals(Map.of("qa.chunk_tokens", "1000", "qa.lengths", "2K,8K", "lake", "l"), Config.flatten(tree));
    assertEquals(Map.of(), Config.flatten(null));
  }

  @Test
  void badValuesNameTheKey() {
    Config c = Config.of(Map.of("n", "ten", "b", "maybe"));
    UserError e = assertThrows(UserError.class, () -> c.getInt("n", 0));
    assertTrue(e.getMessage().contains("'n'") && e.getMessage().contains("ten"), e.getMessage());
    assertThrows(UserError.class, () -> c.getBoolean("b", false));
    assertThrows(UserError.class, () -> c.require("absent"));
  }

  @Test
  void missingAndInvalidFilesAreOneLineErrors() throws Exception {
    UserError missing = assertThrows(UserError.class, () -> Config.load(dir.resolve("nope.yaml"), Map.of()));
    assertFalse(missing.getMessage().contains("\n"));
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "a: [1, 2\n");
    UserError invalid = assertThrows(UserError.class, () -> Config.load(bad, Map.of()));
    assertTrue(invalid.getMessage().startsWith("config file"), invalid.getMessage());
    assertFalse(invalid.getMessage().contains("\n"));
  }

  @Test
  void hashCoversOnlyTheGivenPrefixesAndSecretsStayOutOfToString() {
    Config a = Config.of(Map.of("qa.x", "1", "spark.y", "2", "s3.secret_key", "hunter2"));
    Config b = a.with("spark.y", "3");
    assertEquals(a.hash("qa"), b.hash("qa"));
    assertNotEquals(a.hash(), b.hash());
    assertFalse(a.toString().contains("hunter2"));
  }
}
