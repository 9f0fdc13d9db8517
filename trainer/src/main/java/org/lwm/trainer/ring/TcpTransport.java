package org.lwm.trainer.ring;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@link Transport} between JVMs: one TCP connection to the next worker of the ring and one from the previous.
 * Frames are length-prefixed raw little-endian float32/int32 arrays (no Java serialization), sockets have
 * TCP_NODELAY. A sender thread writes queued frames, so {@link #sendNext} never waits for the network; a receiver
 * thread reads ahead into a queue of two blocks (double buffering), so the next key/value block arrives while the
 * current one is computed on. A peer that dies or closes → {@link PeerLost} at the next call; one that stays silent
 * past {@code timeoutMs} → {@link PeerLost}, never a hang.
 *
 * <p>Frame: {@code int bytes}, {@code int owner}, then k, v (float), index, segment (int), dk, dv (float), each as
 * {@code int length} (−1 for null) and its elements.
 */
public final class TcpTransport implements Transport, Closeable {
  private static final Object CLOSED = new Object();
  private final int rank, size;
  private final Socket toNext, fromPrevious;
  private final String nextName, previousName;
  private final long timeoutMs;
  private final BlockingQueue<Object> outbox = new LinkedBlockingQueue<>();
  private final BlockingQueue<Object> inbox = new ArrayBlockingQueue<>(2);
  private final Thread sender, receiver;
  private volatile Throwable sendFailure;
  private volatile boolean closing;

  /**
   * @param nextName / previousName "rank R at host:port", for errors
   */
  public TcpTransport(int rank, int size, Socket toNext, String nextName, Socket fromPrevious, String previousName,
      long timeoutMs) throws IOException {
    this.rank = rank;
    this.size = size;
    this.toNext = toNext;
    this.fromPrevious = fromPrevious;
    this.nextName = nextName;
    this.previousName = previousName;
    this.timeoutMs = timeoutMs;
    toNext.setTcpNoDelay(true);
    fromPrevious.setTcpNoDelay(true);
    OutputStream out = toNext.getOutputStream();
    DataInputStream in = new DataInputStream(new BufferedInputStream(fromPrevious.getInputStream(), 1 << 16));
    sender = new Thread(() -> sendLoop(out), "ring-send-" + rank);
    receiver = new Thread(() -> receiveLoop(in), "ring-receive-" + rank);
    sender.setDaemon(true);
    receiver.setDaemon(true);
    sender.start();
    receiver.start();
  }

  @Override public int rank() { return rank; }

  @Override public int size() { return size; }

  @Override
  public void sendNext(KvBlock block) {
    if (sendFailure != null) throw lost("cannot send to ring peer " + nextName, sendFailure);
    outbox.add(encode(block));
  }

  @Override
  public KvBlock receivePrevious() throws InterruptedException {
    Object o = inbox.poll(timeoutMs, TimeUnit.MILLISECONDS);
    if (o == null) {
      throw new PeerLost("no block from ring peer " + previousName + " within " + timeoutMs / 1000.0
          + " s: it died or stopped answering (worker rank " + rank + ")");
    }
    if (o instanceof Throwable e) {
      inbox.offer(o); // every later call fails the same way
      throw lost("lost ring peer " + previousName, e);
    }
    if (sendFailure != null) throw lost("cannot send to ring peer " + nextName, sendFailure);
    return (KvBlock) o;
  }

  private PeerLost lost(String what, Throwable e) {
    String why = e instanceof EOFException ? "connection closed" : e.getClass().getSimpleName() + ": " + e.getMessage();
    return new PeerLost(what + " (" + why + ", worker rank " + rank + ")", e);
  }

  private void sendLoop(OutputStream out) {
    try {
      while (true) {
        Object o = outbox.take();
        if (o == CLOSED) return;
        ByteBuffer b = (ByteBuffer) o;
        out.write(b.array(), 0, b.limit());
        out.flush();
      }
    } catch (IOException e) {
      if (!closing) sendFailure = e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void receiveLoop(DataInputStream in) {
    try {
      while (true) {
        int bytes = in.readInt();
        byte[] body = new byte[bytes];
        in.readFully(body);
        inbox.put(decode(ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN)));
      }
    } catch (IOException e) {
      if (closing) return;
      try {
        inbox.put(e); // after the blocks already read: those were sent whole
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    closing = true;
    outbox.add(CLOSED);
    try {
      sender.join(timeoutMs);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Socket s : new Socket[] {toNext, fromPrevious}) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
    receiver.interrupt();
  }

  private static int len(float[] a) {
    return a == null ? 4 : 4 + 4 * a.length;
  }

  private static int len(int[] a) {
    return a == null ? 4 : 4 + 4 * a.length;
  }

  static ByteBuffer encode(KvBlock b) {
    int body = 4 + len(b.k()) + len(b.v()) + len(b.index()) + len(b.segment()) + len(b.dk()) + len(b.dv());
    ByteBuffer buf = ByteBuffer.allocate(4 + body).order(ByteOrder.LITTLE_ENDIAN);
    buf.putInt(Integer.reverseBytes(body)); // the length prefix is big-endian, as DataInputStream reads it
    buf.putInt(b.owner());
    put(buf, b.k());
    put(buf, b.v());
    put(buf, b.index());
    put(buf, b.segment());
    put(buf, b.dk());
    put(buf, b.dv());
    buf.flip();
    return buf;
  }

  private static void put(ByteBuffer buf, float[] a) {
    buf.putInt(a == null ? -1 : a.length);
    if (a == null) return;
    buf.asFloatBuffer().put(a);
    buf.position(buf.position() + 4 * a.length);
  }

  private static void put(ByteBuffer buf, int[] a) {
    buf.putInt(a == null ? -1 : a.length);
    if (a == null) return;
    buf.asIntBuffer().put(a);
    buf.position(buf.position() + 4 * a.length);
  }

  static KvBlock decode(ByteBuffer buf) {
    int owner = buf.getInt();
    float[] k = floats(buf), v = floats(buf);
    int[] index = ints(buf), segment = ints(buf);
    float[] dk = floats(buf), dv = floats(buf);
    return new KvBlock(owner, k, v, index, segment, dk, dv);
  }

  private static float[] floats(ByteBuffer buf) {
    int n = buf.getInt();
    if (n < 0) return null;
    float[] a = new float[n];
    buf.asFloatBuffer().get(a);
    buf.position(buf.position() + 4 * n);
    return a;
  }

  private static int[] ints(ByteBuffer buf) {
    int n = buf.getInt();
    if (n < 0) return null;
    int[] a = new int[n];
    buf.asIntBuffer().get(a);
    buf.position(buf.position() + 4 * n);
    return a;
  }
}
