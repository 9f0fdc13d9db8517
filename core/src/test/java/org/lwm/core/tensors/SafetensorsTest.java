package org.lwm.core.tensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lwm.core.cli.UserError;

class SafetensorsTest {
  @TempDir Path dir;

  @Test
  void roundTripKeepsOrderShapesValuesAndMetadata() throws Exception {
    Map<String, Safetensors.Tensor> t = new LinkedHashMap<>();
    t.put("model.b", new Safetensors.Tensor(new int[] {2, 3}, new float[] {1, -2, 3.5f, Float.MIN_VALUE, 0, -0f}));
    t.put("model.a", new Safetensors.Tensor(new int[] {1}, new float[] {42}));
    Path f = dir.resolve("x.safetensors");
    Safetensors.write(f, t, Map.of("format", "pt"));
    Safetensors.Contents c = Safetensors.read(f);
    assertEquals(List.of("model.b", "model.a"), List.copyOf(c.tensors().keySet()));
    assertArrayEquals(new int[] {2, 3}, c.tensors().get("model.b").shape());
    assertArrayEquals(t.get("model.b").data(), c.tensors().get("model.b").data());
    assertEquals(Map.of("format", "pt"), c.metadata());
    long headerLen = ByteBuffer.wrap(Files.readAllBytes(f), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(0, headerLen % 8);
  }

  @Test
  void readsHalfBfloatAndDoubleAsWrittenByHand() throws Exception {
    // 1.0, -2.0, 65504 (max half), 2^-24 (smallest subnormal) in F16; 1.5 in BF16; 0.1 in F64
    ByteBuffer data = ByteBuffer.allocate(8 + 2 + 8).order(ByteOrder.LITTLE_ENDIAN);
    data.putShort((short) 0x3C00).putShort((short) 0xC000).putShort((short) 0x7BFF).putShort((short) 0x0001);
    data.putShort((short) 0x3FC0);
    data.putDouble(0.1);
    String json = "{\"h\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,8]},"
        + "\"b\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[8,10]},"
        + "\"d\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[10,18]}}";
    Path f = dir.resolve("mixed.safetensors");
    byte[] h = json.getBytes(StandardCharsets.UTF_8);
    ByteBuffer file = ByteBuffer.allocate(8 + h.length + data.capacity()).order(ByteOrder.LITTLE_ENDIAN);
    file.putLong(h.length).put(h).put(data.array());
    Files.write(f, file.array());
    Safetensors.Contents c = Safetensors.read(f);
    assertArrayEquals(new float[] {1f, -2f, 65504f, (float) Math.pow(2, -24)}, c.tensors().get("h").data());
    assertArrayEquals(new float[] {1.5f}, c.tensors().get("b").data());
    assertArrayEquals(new float[] {0.1f}, c.tensors().get("d").data());
  }

  @Test
  void notSafetensorsAndDamagedFilesAreOneLineErrors() throws Exception {
    Path text = dir.resolve("notes.txt");
    Files.writeString(text, "hello, this is not a tensor file at all");
    assertThrows(Safetensors.NotSafetensors.class, () -> Safetensors.read(text));

    Map<String, Safetensors.Tensor> t = new LinkedHashMap<>();
    t.put("w", new Safetensors.Tensor(new int[] {4}, new float[] {1, 2, 3, 4}));
    Path f = dir.resolve("cut.safetensors");
    Safetensors.write(f, t, null);
    byte[] all = Files.readAllBytes(f);
    Files.write(f, java.util.Arrays.copyOf(all, all.length - 4));
    UserError e = assertThrows(UserError.class, () -> Safetensors.read(f));
    assertTrue(e.getMessage().contains("tensor 'w'") && e.getMessage().contains("truncated"), e.getMessage());
  }
}
