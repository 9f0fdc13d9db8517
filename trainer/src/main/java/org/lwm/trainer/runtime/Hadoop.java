package org.lwm.trainer.runtime;

import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkEnv;
import org.apache.spark.deploy.SparkHadoopUtil;

/** Hadoop settings where the code runs: Spark's (its {@code spark.hadoop.*}, S3A) on a driver or executor, else defaults. */
public final class Hadoop {
  private Hadoop() {}

  public static Configuration conf() {
    SparkEnv env = SparkEnv.get();
    return env != null ? SparkHadoopUtil.get().newConfiguration(env.conf()) : new Configuration();
  }

  /** The file system of {@code uri}; the local one without its .crc side files (checkpoints are read by other tools). */
  public static FileSystem fs(String uri) throws IOException {
    FileSystem fs = new Path(uri).getFileSystem(conf());
    return fs instanceof LocalFileSystem local ? local.getRawFileSystem() : fs;
  }
}
