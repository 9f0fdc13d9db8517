package org.lwm.core.spark;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.deploy.SparkHadoopUtil;
import org.apache.spark.sql.SparkSession;

/**
 * Hadoop file systems where the code runs, with Spark's settings (its {@code spark.hadoop.*}, S3A): the driver's
 * session, else an executor's Spark environment, else the {@code spark.*} system properties spark-submit sets
 * (before any session exists, e.g. to read a {@code --config s3a://…} file).
 */
public final class Hadoop {
  private Hadoop() {}

  public static Configuration conf() {
    var session = SparkSession.getDefaultSession();
    if (session.isDefined()) return new Configuration(session.get().sparkContext().hadoopConfiguration());
    SparkEnv env = SparkEnv.get();
    return SparkHadoopUtil.get().newConfiguration(env != null ? env.conf() : new SparkConf());
  }

  /** True for a URI with a scheme other than {@code file:} (s3a://, hdfs://, …): read through Hadoop, not java.nio. */
  public static boolean isRemote(String location) {
    return location != null && location.matches("^[A-Za-z][A-Za-z0-9+.-]*://.*") && !location.startsWith("file:");
  }

  /** The file system of {@code uri}; the local one without its .crc side files (checkpoints are read by other tools). */
  public static FileSystem fs(String uri) throws IOException {
    FileSystem fs = new Path(uri).getFileSystem(conf());
    return fs instanceof LocalFileSystem local ? local.getRawFileSystem() : fs;
  }

  /** A small text file (a config) on any Hadoop file system. */
  public static String readText(String uri) throws IOException {
    try (InputStream in = fs(uri).open(new Path(uri))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /**
   * Every file under {@code root} (root itself when it is a file), recursively, in no particular order; only path,
   * length and modification time are meant to be read. On the local file system Hadoop's {@code listFiles} asks
   * each file's permissions from a forked {@code stat}/{@code ls} (~4 ms a file here: 3.4–4 s for 943 books), so
   * directories are walked one listing at a time there; elsewhere (S3A, HDFS) the recursive listing is the cheap,
   * flat one.
   */
  public static List<FileStatus> filesUnder(FileSystem fs, Path root) throws IOException {
    List<FileStatus> files = new ArrayList<>();
    if (!(fs instanceof LocalFileSystem || fs instanceof RawLocalFileSystem)) {
      RemoteIterator<? extends FileStatus> it = fs.listFiles(root, true);
      while (it.hasNext()) files.add(it.next());
      return files;
    }
    Deque<Path> dirs = new ArrayDeque<>();
    FileStatus top = fs.getFileStatus(root);
    if (top.isFile()) return List.of(top);
    dirs.push(top.getPath());
    while (!dirs.isEmpty()) {
      for (FileStatus st : fs.listStatus(dirs.pop())) {
        if (st.isDirectory()) dirs.push(st.getPath());
        else files.add(st);
      }
    }
    return files;
  }
}
