package org.lwm.trainer.ring;

import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * The two rings of one worker of a dp × sp grid, over TCP: its sequence-parallel ring (the sp workers of its
 * data-parallel rank) and its data-parallel ring (the dp workers holding the same sequence shard). Global rank
 * g = d·sp + s. Every worker has opened its server socket and learnt every address (Spark's barrier allGather)
 * before this runs; each connects to the next worker of each ring, says which ring and who it is, and accepts the
 * previous ones. A ring of one worker loops back in memory.
 */
public final class RingNetwork implements Closeable {
  private static final int HELLO = 0x4C574D52; // "LWMR"
  public final Transport sp, dp;
  private final TcpTransport[] tcp = new TcpTransport[2];

  public RingNetwork(int globalRank, int dpSize, int spSize, String[] addresses, ServerSocket server, long timeoutMs)
      throws IOException {
    int d = globalRank / spSize, s = globalRank % spSize;
    int[] size = {spSize, dpSize}, rank = {s, d};
    int[] next = {d * spSize + (s + 1) % spSize, ((d + 1) % dpSize) * spSize + s};
    int[] prev = {d * spSize + Math.floorMod(s - 1, spSize), Math.floorMod(d - 1, dpSize) * spSize + s};
    Socket[] out = new Socket[2], in = new Socket[2];
    for (int ring = 0; ring < 2; ring++) {
      if (size[ring] == 1) continue;
      out[ring] = connect(addresses[next[ring]], next[ring], timeoutMs);
      DataOutputStream hello = new DataOutputStream(out[ring].getOutputStream());
      hello.writeInt(HELLO);
      hello.writeInt(ring);
      hello.writeInt(globalRank);
      hello.flush();
    }
    int expected = (spSize > 1 ? 1 : 0) + (dpSize > 1 ? 1 : 0);
    server.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMs));
    for (int got = 0; got < expected; got++) {
      Socket c;
      try {
        c = server.accept();
      } catch (SocketTimeoutException e) {
        throw new PeerLost("worker rank " + globalRank + ": ring peers did not connect within " + timeoutMs / 1000.0
            + " s (expected from ranks " + (spSize > 1 ? prev[0] + " " : "") + (dpSize > 1 ? prev[1] : "") + ")");
      }
      c.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMs));
      DataInputStream hello = new DataInputStream(c.getInputStream());
      int magic = hello.readInt(), ring = hello.readInt(), from = hello.readInt();
      c.setSoTimeout(0);
      if (magic != HELLO || ring < 0 || ring > 1 || from != prev[ring] || in[ring] != null) {
        c.close();
        throw new PeerLost("worker rank " + globalRank + ": unexpected connection from " + c.getRemoteSocketAddress());
      }
      in[ring] = c;
    }
    Transport[] t = new Transport[2];
    for (int ring = 0; ring < 2; ring++) {
      if (size[ring] == 1) {
        t[ring] = new LocalRing(1).worker(0);
      } else {
        tcp[ring] = new TcpTransport(rank[ring], size[ring], out[ring], name(next[ring], addresses),
            in[ring], name(prev[ring], addresses), timeoutMs);
        t[ring] = tcp[ring];
      }
    }
    sp = t[0];
    dp = t[1];
  }

  private static String name(int rank, String[] addresses) {
    return "rank " + rank + " at " + addresses[rank];
  }

  private static Socket connect(String address, int rank, long timeoutMs) throws IOException {
    int colon = address.lastIndexOf(':');
    InetSocketAddress a = new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)));
    Socket s = new Socket();
    try {
      s.connect(a, (int) Math.min(Integer.MAX_VALUE, timeoutMs));
    } catch (IOException e) {
      s.close();
      throw new PeerLost("cannot connect to ring peer rank " + rank + " at " + address + ": " + e.getMessage(), e);
    }
    return s;
  }

  @Override
  public void close() {
    for (TcpTransport t : tcp) if (t != null) t.close();
  }
}
