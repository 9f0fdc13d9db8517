package org.lwm.trainer.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.lwm.core.cli.UserError;
import org.lwm.core.records.PackedRow;
import org.lwm.core.records.PackedRowJson;

/** Training rows from a JSON-lines file of packed rows (DESIGN §6 columns), held in memory. */
public final class JsonlRows implements TrainingRows {
  private final Path file;
  private final List<PackedRow> rows;

  public JsonlRows(Path file) {
    this.file = file;
    if (!Files.isReadable(file)) throw new UserError("training rows " + file + " do not exist or are not readable");
    try (BufferedReader in = Files.newBufferedReader(file)) {
      rows = PackedRowJson.readAll(in, file.toString());
    } catch (IOException e) {
      throw new UserError("cannot read training rows " + file + ": " + e.getMessage());
    }
  }

  @Override public int size() { return rows.size(); }

  @Override public PackedRow row(int i) { return rows.get(i); }

  @Override public String describe() { return "rows of " + file; }
}
