package org.rapaio.jupyter.kernel.channels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The kernel's loop threads: each runs its body from the first moment, and a body that throws does not end it. */
class LoopThreadTest {
  @Test
  void everyStartedLoopRunsAndSurvivesAThrowingStep() throws Exception {
    for (int i = 0; i < 200; i++) {
      AtomicInteger steps = new AtomicInteger();
      CountDownLatch thirdStep = new CountDownLatch(1);
      LoopThread t = new LoopThread("loop-" + i, 0, () -> {
        int n = steps.incrementAndGet();
        if (n == 3) thirdStep.countDown();
        if (n == 1) throw new NullPointerException("no handlers yet");
      });
      t.start();
      assertTrue(thirdStep.await(10, TimeUnit.SECONDS), "loop " + i + " stopped after " + steps.get() + " steps");
      t.shutdown();
      t.join(10_000);
      assertTrue(!t.isAlive(), "loop " + i + " did not stop after shutdown");
    }
  }
}
