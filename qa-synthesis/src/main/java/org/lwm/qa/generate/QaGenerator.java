package org.lwm.qa.generate;

import java.io.Serializable;

/**
 * Writes one question/answer pair for one chunk, answerable from the chunk alone. Implementations travel to
 * Spark executors (Serializable) and are called from several threads at once.
 */
public interface QaGenerator extends Serializable {
  /** The {@code generator} column: {@code extractive} or {@code openai}. */
  String name();

  /** The model behind it, or null (extractive). */
  String model();

  /**
   * Hash of everything that shapes the output (prompt template, model, sampling settings, validation limits,
   * chunk size): part of {@code qa_pairs}' key, so a changed prompt asks again instead of reusing old pairs.
   */
  String promptHash();

  /** How many chunks one executor may have in flight at once. */
  default int concurrency() {
    return 1;
  }

  /** Never throws for a bad chunk or a bad answer: those come back as {@link QaResult#failed}. */
  QaResult generate(String bookId, int chunkIndex, String chunkText);
}
