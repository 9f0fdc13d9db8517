package org.lwm.notebooks;

import java.io.File;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.rapaio.jupyter.kernel.MainApp;
import org.rapaio.org.zeromq.SocketType;
import org.rapaio.org.zeromq.ZMQ;

/**
 * Starts rapaio-jupyter-kernel after warming it up. Version 3.0.1 binds its sockets before it registers its message
 * handlers, and a request that arrives in between (Jupyter sends kernel_info at once) kills its shell thread: the
 * kernel then never answers. On a cold JVM the gap is the first use of ZeroMQ and of the message classes, long
 * enough on a loaded machine to lose a notebook in a few; loaded and exercised here first, it shrinks to
 * microseconds. Runs on the kernel's own class path (the kernel jar and this class only; the project's classes
 * reach the notebooks through the kernel's RJK_CLASSPATH).
 */
public final class KernelMain {
  private KernelMain() {}

  public static void main(String[] args) throws Exception {
    warmUp();
    MainApp.main(args);
  }

  static void warmUp() {
    try (ZMQ.Context ctx = ZMQ.context(1); ZMQ.Socket s = ctx.socket(SocketType.ROUTER)) {
      s.bind("tcp://127.0.0.1:*");
    } catch (RuntimeException e) {
      // only a warm-up: the kernel binds its own sockets next
    }
    File jar = new File(MainApp.class.getProtectionDomain().getCodeSource().getLocation().getPath());
    if (!jar.isFile()) return;
    try (JarFile j = new JarFile(jar)) {
      for (Enumeration<JarEntry> e = j.entries(); e.hasMoreElements(); ) {
        String n = e.nextElement().getName();
        boolean wanted = n.endsWith(".class") && !n.contains("$") && (n.startsWith("org/rapaio/jupyter/kernel/message/")
            || n.startsWith("org/rapaio/jupyter/kernel/channels/") || n.startsWith("org/rapaio/shaded/com/google/gson/"));
        if (!wanted) continue;
        try {
          Class.forName(n.substring(0, n.length() - 6).replace('/', '.'), true, KernelMain.class.getClassLoader());
        } catch (Throwable ignored) {
          // a class that cannot initialise alone is initialised by the kernel itself
        }
      }
    } catch (java.io.IOException ignored) {
      // no warm-up without the jar; the kernel still starts
    }
  }
}
