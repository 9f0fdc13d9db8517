package org.lwm.core.step;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.lwm.core.spark.Hadoop;

/** A version of source files outside the lake: a hash of every file's path, size and modification time under them. */
public final class SourceFiles {
  private SourceFiles() {}

  /** Missing paths count as absent (the job itself reports them); an empty list gives "". */
  public static String version(SparkSession spark, List<String> uris) {
    if (uris == null || uris.isEmpty()) return "";
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (String uri : uris) {
        if (uri == null || uri.isBlank()) continue;
        String u = uri.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*") ? uri : java.nio.file.Path.of(uri).toAbsolutePath().toUri().toString();
        FileSystem fs = FileSystem.get(URI.create(u), spark.sparkContext().hadoopConfiguration());
        Path p = new Path(u);
        if (!fs.exists(p)) {
          md.update(("missing " + u + "\n").getBytes(StandardCharsets.UTF_8));
          continue;
        }
        java.util.TreeMap<String, FileStatus> sorted = new java.util.TreeMap<>();
        for (FileStatus f : Hadoop.filesUnder(fs, p)) sorted.put(f.getPath().toString(), f);
        sorted.values().forEach(f -> add(md, f));
      }
      return HexFormat.of().formatHex(md.digest()).substring(0, 16);
    } catch (IOException e) {
      return "unlisted:" + e.getMessage(); // the job reports the unreadable source; the step is never taken as up to date
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void add(MessageDigest md, FileStatus f) {
    md.update((f.getPath() + " " + f.getLen() + " " + f.getModificationTime() + "\n").getBytes(StandardCharsets.UTF_8));
  }
}
