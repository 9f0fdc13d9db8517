package org.lwm.core.step;

import java.util.Collections;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.lwm.core.cli.UserError;

/** Every step on the classpath, by name (the catalog pipelines are checked against). */
public final class Steps {
  private static volatile Map<String, Step> all;

  private Steps() {}

  public static Map<String, Step> all() {
    if (all == null) {
      Map<String, Step> found = new TreeMap<>();
      for (StepProvider p : ServiceLoader.load(StepProvider.class)) {
        for (Step s : p.steps()) {
          Step had = found.putIfAbsent(s.name(), s);
          if (had != null) throw new IllegalStateException("two steps are named '" + s.name() + "': " + had.getClass() + ", " + s.getClass());
        }
      }
      all = Collections.unmodifiableMap(found);
    }
    return all;
  }

  /** The step named {@code name}, or a one-line error listing the known ones. */
  public static Step get(String name) {
    Step s = all().get(name);
    if (s == null) throw new UserError("unknown job '" + name + "' (jobs: " + String.join(", ", all().keySet()) + ")");
    return s;
  }
}
