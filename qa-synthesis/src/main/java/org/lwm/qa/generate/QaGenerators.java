package org.lwm.qa.generate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.lwm.core.cli.UserError;
import org.lwm.core.config.Config;

/** The generator a config names ({@code qa.generator}: extractive, the default, or openai) with its settings. */
public final class QaGenerators {
  private QaGenerators() {}

  public static QaGenerator create(String name, Config config, int chunkTokens) {
    switch (name) {
      case ExtractiveGenerator.NAME:
        return new ExtractiveGenerator(config.getLong("qa.extractive.seed", 0), chunkTokens);
      case OpenAiGenerator.NAME:
        return openai(config, chunkTokens);
      default:
        throw new UserError("unknown QA generator '" + name + "': use extractive (offline) or openai (any OpenAI-compatible endpoint)");
    }
  }

  static OpenAiGenerator openai(Config config, int chunkTokens) {
    String baseUrl = config.get("qa.openai.base_url", null);
    if (baseUrl == null || baseUrl.isBlank()) {
      throw new UserError("the openai generator needs qa.openai.base_url, e.g. --set qa.openai.base_url=http://localhost:8000/v1");
    }
    String model = config.get("qa.openai.model", null);
    if (model == null || model.isBlank()) throw new UserError("the openai generator needs qa.openai.model (the model name the endpoint serves)");
    String keyEnv = config.get("qa.openai.api_key_env", "OPENAI_API_KEY");
    String apiKey = System.getenv(keyEnv);
    String prompt = config.get("qa.openai.prompt", OpenAiGenerator.DEFAULT_PROMPT);
    String promptFile = config.get("qa.openai.prompt_file", null);
    if (promptFile != null) {
      try {
        prompt = Files.readString(Path.of(promptFile));
      } catch (IOException e) {
        throw new UserError("qa.openai.prompt_file " + promptFile + " cannot be read: " + e.getMessage());
      }
    }
    int concurrency = config.getInt("qa.openai.concurrency", 8);
    if (concurrency < 1) throw new UserError("qa.openai.concurrency = " + concurrency + ": use 1 or more requests in flight per executor");
    int attempts = config.getInt("qa.openai.max_attempts", 5);
    if (attempts < 1) throw new UserError("qa.openai.max_attempts = " + attempts + ": use 1 or more");
    OpenAiGenerator.Settings s = new OpenAiGenerator.Settings(baseUrl, model, apiKey == null ? "" : apiKey, prompt,
        config.getDouble("qa.openai.temperature", 0.7), config.getInt("qa.openai.max_tokens", 512),
        config.getBoolean("qa.openai.json_mode", false), concurrency, config.getDouble("qa.openai.timeout_s", 60),
        attempts, config.getDouble("qa.openai.backoff_s", 1.0), config.getDouble("qa.openai.max_backoff_s", 60),
        config.getDouble("qa.openai.max_retry_after_s", 300), chunkTokens);
    return new OpenAiGenerator(s, validator(config));
  }

  public static QaValidator validator(Config config) {
    return new QaValidator(config.getInt("qa.validate.max_question_chars", 500), config.getInt("qa.validate.max_answer_chars", 1500),
        config.getDouble("qa.validate.min_grounding", 0.5));
  }
}
