package org.lwm.core;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The code version recorded in every table this code writes. */
public final class LwmVersion {
  private static final String VERSION = load();

  private LwmVersion() {}

  public static String get() {
    return VERSION;
  }

  private static String load() {
    try (InputStream in = LwmVersion.class.getResourceAsStream("/lwm-version.properties")) {
      if (in == null) return "unknown";
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
