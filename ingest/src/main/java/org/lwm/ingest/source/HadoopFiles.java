package org.lwm.ingest.source;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.lwm.core.cli.UserError;
import org.lwm.core.spark.Hadoop;

/**
 * Inputs on any Hadoop file system (local, s3a://, hdfs://): listing on the driver, opening in tasks. The
 * Hadoop configuration travels to the tasks with this object, so executors reach S3 with the driver's settings.
 */
public final class HadoopFiles implements Serializable {
  private transient Configuration conf;

  public HadoopFiles(Configuration conf) {
    this.conf = conf;
  }

  /** A file found under an input, with its length. */
  public record InputFile(String uri, long length) implements Serializable {}

  /** A bare path becomes an absolute file URI; URIs stay as given. */
  public static String toUri(String input) {
    return input.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*") ? input : java.nio.file.Path.of(input).toAbsolutePath().normalize().toUri().toString();
  }

  /**
   * Every file under the inputs (a file or a directory tree), sorted; names starting with '.' or '_' are a
   * file system's own markers (_SUCCESS, .crc) and are not inputs.
   */
  public List<InputFile> list(List<String> inputs, Predicate<String> wanted) {
    List<InputFile> files = new ArrayList<>();
    for (String input : inputs) {
      String uri = toUri(input);
      try {
        Path root = new Path(uri);
        FileSystem fs = FileSystem.get(URI.create(uri), conf);
        if (!fs.exists(root)) throw new UserError("input " + input + " does not exist: check the path or URI");
        for (FileStatus st : Hadoop.filesUnder(fs, root)) {
          String name = st.getPath().getName();
          if (name.startsWith(".") || name.startsWith("_")) continue;
          if (wanted.test(name)) files.add(new InputFile(st.getPath().toString(), st.getLen()));
        }
      } catch (IOException e) {
        throw new UserError("cannot list input " + input + ": " + Streams.oneLine(e));
      }
    }
    files.sort((a, b) -> a.uri().compareTo(b.uri()));
    return files;
  }

  public java.io.InputStream open(String uri) throws IOException {
    return FileSystem.get(URI.create(uri), conf).open(new Path(uri));
  }

  public Configuration conf() {
    return conf;
  }

  private void writeObject(ObjectOutputStream out) throws IOException {
    out.defaultWriteObject();
    conf.write(out);
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    conf = new Configuration(false);
    conf.readFields(in);
  }
}
