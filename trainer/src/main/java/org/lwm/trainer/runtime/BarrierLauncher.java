package org.lwm.trainer.runtime;

import java.io.Serializable;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.numeric.Gemm;
import org.lwm.trainer.ring.RingNetwork;
import org.lwm.trainer.train.StepMetrics;
import scala.collection.JavaConverters;
import scala.reflect.ClassTag$;

/**
 * The dp × sp ranks as one Spark barrier stage ({@code RDD.barrier().mapPartitions}) of dp·sp tasks, gang-scheduled,
 * one per rank (the partition id). Each task opens a server socket on an ephemeral port, {@code allGather}s
 * {@code host:port} through the barrier context, connects its rings ({@link RingNetwork}) and runs
 * {@link RankProgram}; OpenBLAS gets {@code spark.task.cpus} threads. Spark aborts a job whose barrier result stage
 * fails, so a failure comes back as {@link GangFailed} and the driver reruns the segment as a new job.
 */
public final class BarrierLauncher implements Launcher {
  private final SparkSession spark;

  public BarrierLauncher(SparkSession spark) {
    this.spark = spark;
  }

  @Override
  public List<StepMetrics> run(Segment seg, Consumer<StepMetrics> onStep) {
    int n = seg.ranks();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    jsc.setJobDescription("train " + seg.stage() + " steps " + (seg.fromStep() + 1) + "-" + seg.toStep() + " (" + n + " ranks)");
    List<Integer> ranks = IntStream.range(0, n).boxed().toList();
    List<List<StepMetrics>> results;
    try {
      results = jsc.parallelize(ranks, n).rdd().barrier()
          .mapPartitions(new Task(seg), false, ClassTag$.MODULE$.apply(List.class))
          .toJavaRDD().collect();
    } catch (Exception e) { // SparkException is checked but thrown undeclared from Scala
      throw new GangFailed(rootMessage(e), e);
    }
    List<StepMetrics> first = results.get(0);
    for (StepMetrics m : first) onStep.accept(m);
    return first;
  }

  /** Spark wraps a task's error in job-abort text; the first line of the innermost cause says what happened. */
  static String rootMessage(Throwable e) {
    String msg = e.getMessage() == null ? e.toString() : e.getMessage();
    for (String line : msg.split("\n")) {
      int i = line.indexOf("PeerLost: ");
      if (i >= 0) return line.substring(i + 10).trim();
    }
    for (String line : msg.split("\n")) {
      if (line.startsWith("ExecutorLostFailure")) return line.trim();
    }
    return msg.split("\n")[0];
  }

  /** One rank: rendezvous, rings, the program. */
  static final class Task extends scala.runtime.AbstractFunction1<scala.collection.Iterator<Integer>,
      scala.collection.Iterator<List<StepMetrics>>> implements Serializable {
    private final Segment seg;

    Task(Segment seg) {
      this.seg = seg;
    }

    @Override
    public scala.collection.Iterator<List<StepMetrics>> apply(scala.collection.Iterator<Integer> in) {
      BarrierTaskContext ctx = BarrierTaskContext.get();
      int rank = ctx.partitionId(), sp = seg.parallel().sp();
      Gemm.useThreads(SparkEnv.get().conf().getInt("spark.task.cpus", 1));
      String host = SparkEnv.get().blockManager().blockManagerId().host();
      try (ServerSocket server = new ServerSocket()) {
        server.bind(new InetSocketAddress(0));
        String[] addresses = ctx.allGather(host + ":" + server.getLocalPort());
        try (RingNetwork net = new RingNetwork(rank, seg.dp(), sp, addresses, server, seg.peerTimeoutMs())) {
          List<StepMetrics> m = RankProgram.run(seg, rank / sp, net.sp, net.dp, null);
          // nobody leaves before everyone is done: a rank that closed early would look like a lost peer
          ctx.barrier();
          List<List<StepMetrics>> out = new ArrayList<>();
          out.add(m);
          return JavaConverters.asScalaIterator(out.iterator());
        }
      } catch (java.io.IOException e) {
        throw new org.lwm.trainer.ring.PeerLost("worker rank " + rank + " at " + host + ": " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("rank " + rank + " interrupted", e);
      }
    }
  }
}
