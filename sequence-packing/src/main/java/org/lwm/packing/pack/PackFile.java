package org.lwm.packing.pack;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import org.lwm.core.records.PackedRowJson;
import org.lwm.packing.format.ExampleJson;

/**
 * {@code lwm pack sequences}: formatted examples ({@code {"id", "tokens", "loss_mask", "vision_mask"}} per line) to
 * packed rows (DESIGN §6 columns with {@code seq_id} and {@code example_ids}), through the same {@link Packer} as
 * the Spark job, streaming.
 */
public final class PackFile {
  private PackFile() {}

  public static PackStats run(Packer.Options options, BufferedReader in, Writer out, String source) throws IOException {
    Packer packer = new Packer(options, 0, row -> {
      try {
        PackedRowJson.write(row, out);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    try {
      ExampleJson.forEachLine(in, (line, no) -> packer.add(ExampleJson.readFormatted(line, source + " line " + no, no)));
      return packer.finish();
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
