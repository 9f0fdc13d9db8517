package org.rapaio.jupyter.kernel.channels;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The project's replacement for rapaio-jupyter-kernel 3.0.1's class of this name, loaded ahead of the kernel's jar
 * ({@code org.lwm.orchestration.notebook.JupyterKernel} puts this module's classes first on the kernel's class path).
 * The kernel's own version sets its running flag only after {@code Thread.start()}, so a loop thread scheduled at
 * once sees it false and ends before its first poll (the shell channel then never answers: the kernel hangs at
 * start-up), and a body that throws (a request that arrives before the kernel has registered its handlers) ends the
 * loop for good. Here the flag is set before the thread starts and a throwing body is logged and the loop goes on:
 * the client sends {@code kernel_info_request} again until it gets an answer. Same constructor and methods.
 */
public final class LoopThread extends Thread {
  private static final Logger LOG = Logger.getLogger(LoopThread.class.getSimpleName());

  private volatile boolean running;
  private final long sleepMillis;
  private final Runnable body;

  public LoopThread(String name, long sleepMillis, Runnable body) {
    super(name);
    this.sleepMillis = sleepMillis;
    this.body = body;
  }

  @Override
  public void run() {
    while (running) {
      try {
        body.run();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, getName() + ": a loop step failed, going on", e);
      }
      try {
        Thread.sleep(sleepMillis);
      } catch (InterruptedException e) {
        running = false;
        return;
      }
    }
  }

  @Override
  public synchronized void start() {
    running = true;
    super.start();
  }

  public void shutdown() {
    running = false;
  }
}
