package org.lwm.core.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HadoopTest {
  @TempDir Path dir;

  /** Hadoop's own recursive listing, the reference: path, length and modification time of each file. */
  static TreeSet<String> listFiles(FileSystem fs, org.apache.hadoop.fs.Path root) throws IOException {
    TreeSet<String> out = new TreeSet<>();
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
    while (it.hasNext()) out.add(describe(it.next()));
    return out;
  }

  static String describe(FileStatus f) {
    return f.getPath() + " " + f.getLen() + " " + f.getModificationTime();
  }

  static TreeSet<String> filesUnder(FileSystem fs, org.apache.hadoop.fs.Path root) throws IOException {
    List<String> out = new ArrayList<>();
    for (FileStatus f : Hadoop.filesUnder(fs, root)) out.add(describe(f));
    TreeSet<String> set = new TreeSet<>(out);
    assertEquals(out.size(), set.size(), "each file once");
    return set;
  }

  @Test
  void filesUnderATreeAreHadoopsRecursiveListingOnEveryKindOfFileSystem() throws IOException {
    Files.createDirectories(dir.resolve("a/b/c"));
    Files.createDirectories(dir.resolve("empty/deeper"));
    Files.createDirectories(dir.resolve("_markers"));
    Files.writeString(dir.resolve("top.txt"), "x".repeat(10));
    Files.writeString(dir.resolve("a/one.txt"), "y".repeat(200));
    Files.writeString(dir.resolve("a/b/two.jsonl"), "");
    Files.writeString(dir.resolve("a/b/c/three.tar"), "z".repeat(3000));
    Files.writeString(dir.resolve("_markers/_SUCCESS"), "");
    Files.writeString(dir.resolve(".hidden"), "h");
    org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(dir.toUri());
    FileSystem local = FileSystem.get(URI.create("file:///"), new Configuration());
    FileSystem raw = FileSystem.getLocal(new Configuration()).getRawFileSystem();
    for (FileSystem fs : List.of(local, raw)) {
      TreeSet<String> expected = listFiles(fs, root);
      assertEquals(expected, filesUnder(fs, root), fs.getClass().getSimpleName());
      assertEquals(6, expected.size(), "every file of the tree, markers included: " + expected);
      org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(dir.resolve("a/one.txt").toUri());
      assertEquals(listFiles(fs, file), filesUnder(fs, file), "a file is its own listing");
    }
  }
}
