package org.lwm.core.step;

/**
 * A config key a step takes: its name, its default ({@code null} when there is none: the step requires it or
 * treats it as absent) and what it means. A name ending in {@code .*} is a family, e.g. {@code pack.stages.*}.
 */
public record ConfigKey(String key, String defaultValue, String description) {
  public static ConfigKey of(String key, String defaultValue, String description) {
    return new ConfigKey(key, defaultValue, description);
  }

  /** A key without a default. */
  public static ConfigKey of(String key, String description) {
    return new ConfigKey(key, null, description);
  }

  public boolean isFamily() {
    return key.endsWith(".*");
  }

  /** True when {@code name} is this key, or lies under this family. */
  public boolean matches(String name) {
    return isFamily() ? name.startsWith(key.substring(0, key.length() - 1)) : name.equals(key);
  }
}
