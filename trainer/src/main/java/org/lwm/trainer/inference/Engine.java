package org.lwm.trainer.inference;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server's one generation thread: requests wait in a bounded queue (a full queue refuses at once, the server's
 * 429) and join the running batch between steps, up to {@code maxBatch} sequences at a time, so concurrent requests
 * share every forward. Listener calls happen on this thread.
 */
public final class Engine implements AutoCloseable {
  private record Job(TextGenerator.Request request, TextGenerator.Listener listener) {}

  private final TextGenerator generator;
  private final BlockingQueue<Job> queue;
  private final int maxBatch;
  private final Thread thread;
  private final AtomicLong steps = new AtomicLong();
  private volatile boolean running = true;

  public Engine(Decoder decoder, int maxBatch, int queueCapacity) {
    this.generator = new TextGenerator(decoder);
    this.maxBatch = maxBatch;
    this.queue = new ArrayBlockingQueue<>(queueCapacity);
    this.thread = new Thread(this::loop, "lwm-engine");
    thread.setDaemon(true);
    thread.start();
  }

  /** Queues a request; false when the queue is full. */
  public boolean submit(TextGenerator.Request request, TextGenerator.Listener listener) {
    return queue.offer(new Job(request, listener));
  }

  public long steps() {
    return steps.get();
  }

  private void loop() {
    while (running) {
      try {
        if (generator.active() == 0) {
          Job j = queue.poll(100, TimeUnit.MILLISECONDS);
          if (j == null) continue;
          admit(j);
        }
        Job j;
        while (generator.active() < maxBatch && (j = queue.poll()) != null) admit(j);
        generator.step();
        steps.incrementAndGet();
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        // a failure inside a step ends every sequence in it; the server answers each with the reason
        generator.abort(e);
      }
    }
  }

  private void admit(Job j) {
    try {
      generator.add(j.request(), j.listener());
    } catch (RuntimeException e) {
      j.listener().failed(e);
    }
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }
}
