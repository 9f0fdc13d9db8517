package org.lwm.core.spark;

import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;

/**
 * One self-overwriting line on stderr per running Spark stage ("stage 3: 12/40 tasks"), shown only
 * when stderr is a terminal (or LWM_PROGRESS=1), so logs and CI output stay clean.
 */
public final class ConsoleProgress extends SparkListener {
  private static final long MIN_INTERVAL_MS = 200;
  private final PrintStream out;
  private final Map<Integer, int[]> stages = new ConcurrentHashMap<>(); // id -> {done, total}
  private final Map<Integer, String> names = new ConcurrentHashMap<>();
  private final AtomicInteger width = new AtomicInteger();
  private volatile long lastPrint;

  ConsoleProgress(PrintStream out) {
    this.out = out;
  }

  public static boolean enabled() {
    String forced = System.getenv("LWM_PROGRESS");
    if (forced != null) return forced.equals("1") || forced.equalsIgnoreCase("true");
    return System.console() != null;
  }

  static void attach(SparkSession spark) {
    if (enabled() && spark.sparkContext().getLocalProperty("lwm.progress") == null) {
      spark.sparkContext().setLocalProperty("lwm.progress", "on");
      spark.sparkContext().addSparkListener(new ConsoleProgress(System.err));
    }
  }

  @Override
  public void onStageSubmitted(SparkListenerStageSubmitted e) {
    stages.put(e.stageInfo().stageId(), new int[] {0, e.stageInfo().numTasks()});
    names.put(e.stageInfo().stageId(), e.stageInfo().name());
    render(true);
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd e) {
    int[] s = stages.get(e.stageId());
    if (s != null) {
      synchronized (s) {
        s[0]++;
      }
    }
    render(false);
  }

  @Override
  public void onStageCompleted(SparkListenerStageCompleted e) {
    stages.remove(e.stageInfo().stageId());
    names.remove(e.stageInfo().stageId());
    if (stages.isEmpty()) clear();
    else render(true);
  }

  private synchronized void render(boolean force) {
    long now = System.currentTimeMillis();
    if (!force && now - lastPrint < MIN_INTERVAL_MS) return;
    lastPrint = now;
    StringBuilder sb = new StringBuilder();
    stages.forEach((id, s) -> {
      if (sb.length() > 0) sb.append("  ");
      String name = names.getOrDefault(id, "");
      int at = name.indexOf(" at ");
      sb.append("[stage ").append(id).append(' ').append(at > 0 ? name.substring(0, at) : name)
          .append(": ").append(s[0]).append('/').append(s[1]).append(']');
    });
    String line = sb.toString();
    int pad = Math.max(0, width.get() - line.length());
    out.print("\r" + line + " ".repeat(pad));
    width.set(line.length());
    out.flush();
  }

  private synchronized void clear() {
    out.print("\r" + " ".repeat(width.get()) + "\r");
    width.set(0);
    out.flush();
  }
}
