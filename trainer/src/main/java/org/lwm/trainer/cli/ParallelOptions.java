package org.lwm.trainer.cli;

import org.lwm.core.cli.UserError;
import org.lwm.core.records.SequenceLayout;
import org.lwm.trainer.model.SequenceParallel;
import picocli.CommandLine.Option;

/** The sequence-parallel options shared by {@code lwm model forward|loss-grad}. */
public final class ParallelOptions {
  @Option(names = "--sp", defaultValue = "1", paramLabel = "N", description = "Sequence-parallel workers (threads on a local ring; default 1).")
  int sp;

  @Option(names = "--layout", defaultValue = "contiguous", paramLabel = "LAYOUT", description = "contiguous or zigzag (default contiguous).")
  String layout;

  @Option(names = "--query-chunk", defaultValue = "512", paramLabel = "N", description = "Queries per attention tile (default 512).")
  int queryChunk;

  @Option(names = "--key-chunk", defaultValue = "512", paramLabel = "N", description = "Keys per attention tile (default 512).")
  int keyChunk;

  public SequenceParallel.Options options() {
    if (sp < 1 || queryChunk < 1 || keyChunk < 1) throw new UserError("--sp, --query-chunk and --key-chunk must be positive");
    SequenceLayout l;
    try {
      l = SequenceLayout.parse(layout);
    } catch (IllegalArgumentException e) {
      throw new UserError("--layout: " + e.getMessage());
    }
    return new SequenceParallel.Options(sp, l, queryChunk, keyChunk, 256);
  }
}
