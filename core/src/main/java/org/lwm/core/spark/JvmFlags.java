package org.lwm.core.spark;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * The JVM flags a Spark JVM on Java 17 needs beyond the classpath — the module openings Spark lists, and the Vector
 * API module ({@link org.lwm.core.numeric.Simd}) — as this JVM was started with them (by ./lwm, dev/cluster or the
 * build's test runner), for starting another JVM like it: a Jupyter kernel, a cluster's daemons, a child process.
 */
public final class JvmFlags {
  private JvmFlags() {}

  public static final String VECTOR_MODULE = "--add-modules=jdk.incubator.vector";

  public static List<String> ofThisJvm() {
    List<String> out = new ArrayList<>();
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-opens") || a.startsWith("--add-modules") || a.equals("-XX:+IgnoreUnrecognizedVMOptions")
          || a.startsWith("-Djdk.reflect.")) {
        out.add(a);
      }
    }
    return out;
  }
}
