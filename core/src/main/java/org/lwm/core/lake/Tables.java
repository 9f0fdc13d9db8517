package org.lwm.core.lake;

/** The lake's table names (DESIGN §3). Each is a Delta table at {@code <root>/<name>}. */
public final class Tables {
  public static final String BOOKS = "books";
  public static final String BOOK_TOKENS = "book_tokens";
  public static final String CHUNKS = "chunks";
  public static final String QA_PAIRS = "qa_pairs";
  public static final String LONG_QA = "long_qa";
  public static final String CHAT = "chat";
  /** The chat fine-tuning mixture (chat : long_qa), from {@code qa mix}. */
  public static final String CHAT_MIX = "chat_mix";
  public static final String VIDEOS = "videos";
  public static final String VISION_TOKENS = "vision_tokens";
  public static final String EXAMPLES = "examples";
  public static final String PACKED = "packed";
  public static final String REJECTS = "rejects";
  /** One row per step of every {@code lwm run}: run id, pipeline, step, status, times, counts, error. */
  public static final String PIPELINE_RUNS = "pipeline_runs";

  private Tables() {}
}
