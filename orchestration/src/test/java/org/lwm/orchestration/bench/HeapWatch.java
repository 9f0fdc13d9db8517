package org.lwm.orchestration.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * The most heap in use right after a garbage collection since {@link #reset}: the live data of a job (its tasks and
 * the driver, one JVM in local mode) rather than garbage not yet collected, which {@code used} alone would count.
 */
final class HeapWatch {
  private final AtomicLong peak = new AtomicLong();

  private HeapWatch() {}

  static HeapWatch start() {
    HeapWatch w = new HeapWatch();
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      ((NotificationEmitter) gc).addNotificationListener((n, h) -> {
        if (!n.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) return;
        long used = 0;
        var info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
        for (MemoryUsage u : info.getGcInfo().getMemoryUsageAfterGc().values()) used += u.getUsed();
        final long u = used;
        w.peak.accumulateAndGet(u, Math::max);
      }, null, null);
    }
    return w;
  }

  void reset() {
    peak.set(0);
  }

  long peakAfterGc() {
    return peak.get();
  }
}
