package org.lwm.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.lwm.trainer.ring.KvBlock;
import org.lwm.trainer.ring.LocalRing;
import org.lwm.trainer.ring.PeerLost;
import org.lwm.trainer.ring.RingNetwork;
import org.lwm.trainer.ring.Transport;

/**
 * The TCP rings on loopback: the same sums as threads (bit for bit: both run {@code RingCollectives}), blocks
 * intact, and a dead or silent peer is a one-line error naming its rank and address, never a hang.
 */
class TcpTransportTest {

  /** dp × sp workers, each with its own server socket, connected as the barrier tasks connect. */
  static List<RingNetwork> grid(int dp, int sp, long timeoutMs) throws Exception {
    int n = dp * sp;
    ServerSocket[] servers = new ServerSocket[n];
    String[] addresses = new String[n];
    for (int i = 0; i < n; i++) {
      servers[i] = new ServerSocket();
      servers[i].bind(new InetSocketAddress("127.0.0.1", 0));
      addresses[i] = "127.0.0.1:" + servers[i].getLocalPort();
    }
    ExecutorService pool = Executors.newFixedThreadPool(n);
    List<Future<RingNetwork>> f = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int g = i;
      f.add(pool.submit(() -> new RingNetwork(g, dp, sp, addresses, servers[g], timeoutMs)));
    }
    List<RingNetwork> out = new ArrayList<>();
    for (Future<RingNetwork> x : f) out.add(x.get());
    pool.shutdown();
    for (ServerSocket s : servers) s.close();
    return out;
  }

  static <T> List<T> all(List<Callable<T>> work) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(work.size());
    try {
      List<T> out = new ArrayList<>();
      for (Future<T> f : pool.invokeAll(work)) out.add(f.get());
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  static float[] vector(int n, long seed) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
    return v;
  }

  @Test
  void sumsOverTcpEqualThreadsBitForBit() throws Exception {
    int dp = 2, sp = 3, n = 1001;
    List<RingNetwork> net = grid(dp, sp, 10_000);
    LocalRing[] spRings = {new LocalRing(sp), new LocalRing(sp)};
    LocalRing[] dpRings = {new LocalRing(dp), new LocalRing(dp), new LocalRing(dp)};
    List<Callable<float[]>> tcp = new ArrayList<>(), threads = new ArrayList<>();
    for (int g = 0; g < dp * sp; g++) {
      int d = g / sp, s = g % sp, gg = g;
      tcp.add(() -> reduce(net.get(gg).sp, net.get(gg).dp, vector(n, gg)));
      threads.add(() -> reduce(spRings[d].worker(s), dpRings[s].worker(d), vector(n, gg)));
    }
    List<float[]> a = all(tcp), b = all(threads);
    for (int g = 0; g < dp * sp; g++) {
      assertArrayEquals(b.get(g), a.get(g), 0f, "rank " + g);
      assertArrayEquals(a.get(0), a.get(g), 0f, "every rank holds the same bits");
    }
    // and the sum is the sum (to float rounding over 6 terms)
    float[] want = new float[n];
    for (int g = 0; g < dp * sp; g++) {
      float[] v = vector(n, g);
      for (int i = 0; i < n; i++) want[i] += v[i];
    }
    assertArrayEquals(want, a.get(0), 1e-5f);
    for (RingNetwork r : net) r.close();
  }

  static float[] reduce(Transport sp, Transport dp, float[] v) throws InterruptedException {
    sp.allReduceSum(v);
    dp.allReduceSum(v);
    return v;
  }

  @Test
  void blocksArriveWhole() throws Exception {
    List<RingNetwork> net = grid(1, 2, 10_000);
    KvBlock b = new KvBlock(0, vector(7, 1), vector(5, 2), new int[] {1, 2, 3}, null, new float[0], vector(3, 4));
    net.get(0).sp.sendNext(b);
    KvBlock got = net.get(1).sp.receivePrevious();
    assertEquals(0, got.owner());
    assertArrayEquals(b.k(), got.k());
    assertArrayEquals(b.v(), got.v());
    assertArrayEquals(b.index(), got.index());
    assertEquals(null, got.segment());
    assertArrayEquals(b.dk(), got.dk());
    assertArrayEquals(b.dv(), got.dv());
    for (RingNetwork r : net) r.close();
  }

  @Test
  void aDeadPeerIsAOneLineErrorNamingIt() throws Exception {
    List<RingNetwork> net = grid(1, 2, 10_000);
    net.get(0).close(); // rank 0 goes away
    long t0 = System.nanoTime();
    PeerLost e = assertThrows(PeerLost.class, () -> net.get(1).sp.receivePrevious());
    assertTrue((System.nanoTime() - t0) / 1e9 < 5, "noticed at once, not after the timeout");
    assertTrue(e.getMessage().contains("rank 0 at 127.0.0.1:") && !e.getMessage().contains("\n"), e.getMessage());
    net.get(1).close();
  }

  @Test
  void aSilentPeerTimesOut() throws Exception {
    List<RingNetwork> net = grid(1, 2, 400);
    long t0 = System.nanoTime();
    PeerLost e = assertThrows(PeerLost.class, () -> net.get(1).sp.receivePrevious());
    double s = (System.nanoTime() - t0) / 1e9;
    assertTrue(s >= 0.39 && s < 5, "waited " + s + " s");
    assertTrue(e.getMessage().contains("rank 0 at 127.0.0.1:") && e.getMessage().contains("0.4 s"), e.getMessage());
    for (RingNetwork r : net) r.close();
  }
}
