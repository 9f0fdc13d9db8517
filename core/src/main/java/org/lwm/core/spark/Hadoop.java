package org.lwm.core.spark;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
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
}
