package org.lwm.packing.read;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.lwm.core.records.PackedRow;

/**
 * One stage's packed rows in one file on any Hadoop file system ({@code file:}, {@code s3a:}, {@code hdfs:}), read
 * a row at a time by positioned reads, so a reader's memory is one row plus 8 bytes per row of index, never the
 * stage. Written once from a stream of rows in any order (the lake's partitions as they come); the index at the
 * end lists the records in seq_id order. The file appears under its name only once complete (written beside it,
 * then renamed), so a crash mid-write never leaves a file that looks whole.
 *
 * <p>Layout: records, each {@code int bytes} then seq_id, L, the six int/float/boolean columns of L and the
 * example ids; then the index ({@code long offset} × n, in seq_id order), {@code long n}, {@code long indexStart},
 * and the magic {@code LWMROWS1}.
 */
public final class PackedRowFile implements PackedRowSource, Closeable {
  private static final byte[] MAGIC = "LWMROWS1".getBytes(StandardCharsets.US_ASCII);
  private final String uri;
  private final FSDataInputStream in;
  private final long[] offsets;

  private PackedRowFile(String uri, FSDataInputStream in, long[] offsets) {
    this.uri = uri;
    this.in = in;
    this.offsets = offsets;
  }

  /** Writes {@code rows} to {@code uri}; returns the number of rows. */
  public static long write(Configuration conf, String uri, Iterator<PackedRow> rows) throws IOException {
    Path path = new Path(uri), tmp = new Path(uri + ".tmp");
    FileSystem fs = path.getFileSystem(conf);
    long[] ids = new long[1024], offs = new long[1024];
    int n = 0;
    try (FSDataOutputStream out = fs.create(tmp, true)) {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      while (rows.hasNext()) {
        PackedRow r = rows.next();
        buf.reset();
        encode(r, new DataOutputStream(buf));
        if (n == ids.length) {
          ids = Arrays.copyOf(ids, n * 2);
          offs = Arrays.copyOf(offs, n * 2);
        }
        ids[n] = r.seqId();
        offs[n] = out.getPos();
        n++;
        out.writeInt(buf.size());
        buf.writeTo(out);
      }
      long indexStart = out.getPos();
      Integer[] order = new Integer[n];
      for (int i = 0; i < n; i++) order[i] = i;
      long[] idsF = ids;
      Arrays.sort(order, (a, b) -> Long.compare(idsF[a], idsF[b]));
      for (int i = 0; i < n; i++) out.writeLong(offs[order[i]]);
      out.writeLong(n);
      out.writeLong(indexStart);
      out.write(MAGIC);
    }
    fs.delete(path, false);
    if (!fs.rename(tmp, path)) throw new IOException("cannot rename " + tmp + " to " + path);
    return n;
  }

  public static boolean exists(Configuration conf, String uri) throws IOException {
    Path p = new Path(uri);
    return p.getFileSystem(conf).exists(p);
  }

  public static PackedRowFile open(Configuration conf, String uri) {
    try {
      Path path = new Path(uri);
      FileSystem fs = path.getFileSystem(conf);
      long len = fs.getFileStatus(path).getLen();
      FSDataInputStream in = fs.open(path);
      byte[] tail = new byte[24];
      if (len < 24) throw new IOException("too short (" + len + " bytes)");
      in.readFully(len - 24, tail);
      ByteBuffer t = ByteBuffer.wrap(tail);
      long n = t.getLong(), indexStart = t.getLong();
      if (!Arrays.equals(Arrays.copyOfRange(tail, 16, 24), MAGIC) || n < 0 || indexStart + 8 * n + 24 != len) {
        in.close();
        throw new IOException("not a packed-row file (bad footer)");
      }
      byte[] index = new byte[(int) (8 * n)];
      in.readFully(indexStart, index);
      long[] offsets = new long[(int) n];
      ByteBuffer.wrap(index).asLongBuffer().get(offsets);
      return new PackedRowFile(uri, in, offsets);
    } catch (IOException e) {
      throw new UncheckedIOException("packed rows " + uri + ": " + e.getMessage(), e);
    }
  }

  @Override
  public int size() {
    return offsets.length;
  }

  @Override
  public synchronized PackedRow row(int i) {
    try {
      byte[] head = new byte[4];
      in.readFully(offsets[i], head);
      byte[] body = new byte[ByteBuffer.wrap(head).getInt()];
      in.readFully(offsets[i] + 4, body);
      return decode(new DataInputStream(new java.io.ByteArrayInputStream(body)));
    } catch (IOException e) {
      throw new UncheckedIOException("packed rows " + uri + ", row " + i + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  private static void encode(PackedRow r, DataOutputStream o) throws IOException {
    int n = r.length();
    o.writeLong(r.seqId());
    o.writeInt(n);
    ByteBuffer b = ByteBuffer.allocate(n * 22);
    for (int x : r.inputIds()) b.putInt(x);
    for (int x : r.targetIds()) b.putInt(x);
    for (float x : r.lossWeight()) b.putFloat(x);
    for (boolean x : r.inputVision()) b.put((byte) (x ? 1 : 0));
    for (boolean x : r.targetVision()) b.put((byte) (x ? 1 : 0));
    for (int x : r.segmentIds()) b.putInt(x);
    for (int x : r.positionIds()) b.putInt(x);
    o.write(b.array());
    o.writeInt(r.exampleIds().length);
    for (String e : r.exampleIds()) o.writeUTF(e);
    o.flush();
  }

  private static PackedRow decode(DataInputStream in) throws IOException {
    long seq = in.readLong();
    int n = in.readInt();
    byte[] raw = new byte[n * 22];
    in.readFully(raw);
    ByteBuffer b = ByteBuffer.wrap(raw);
    int[] input = new int[n], target = new int[n], seg = new int[n], pos = new int[n];
    float[] w = new float[n];
    boolean[] iv = new boolean[n], tv = new boolean[n];
    for (int i = 0; i < n; i++) input[i] = b.getInt();
    for (int i = 0; i < n; i++) target[i] = b.getInt();
    for (int i = 0; i < n; i++) w[i] = b.getFloat();
    for (int i = 0; i < n; i++) iv[i] = b.get() != 0;
    for (int i = 0; i < n; i++) tv[i] = b.get() != 0;
    for (int i = 0; i < n; i++) seg[i] = b.getInt();
    for (int i = 0; i < n; i++) pos[i] = b.getInt();
    String[] ex = new String[in.readInt()];
    for (int i = 0; i < ex.length; i++) ex[i] = in.readUTF();
    return new PackedRow(seq, input, target, w, iv, tv, seg, pos, ex);
  }
}
