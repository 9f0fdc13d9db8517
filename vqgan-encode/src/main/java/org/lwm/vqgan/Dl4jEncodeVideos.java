package org.lwm.vqgan;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.SerializableConfiguration;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.lwm.vqgan.dl4j.Dl4jVqgan;
import org.lwm.vqgan.dl4j.VqganGraph;
import org.lwm.vqgan.frames.Preprocess;
import org.lwm.vqgan.frames.VideoFrames;
import org.nd4j.linalg.api.ndarray.INDArray;
import scala.Tuple2;

/**
 * {@link EncodeVideosJob}'s tasks with {@code vqgan.engine=dl4j}: DL4J's keyed distributed inference instead of the
 * Java engine inside each task. Stage one decodes and preprocesses every video (one task per video, as with the
 * Java engine) into frames keyed by {@link FrameKey} — (video_id, frame_index), carrying the uri and the timestamp
 * along — or into the video's failure; the decoded frames are kept (memory, then disk) so that the frames and the
 * failures are read from one decoding. Stage two is {@link SparkComputationGraph#feedForwardWithKey}: DL4J
 * broadcasts the graph's configuration and parameters once, rebuilds the graph in each partition and runs it over
 * batches of {@code batch} frames, returning each key's codes. The rows are the Java engine's task rows (same
 * schema, same failures), so the job writes vision_tokens and rejects the same way.
 */
final class Dl4jEncodeVideos {
  /** A frame's key in the keyed inference. */
  record FrameKey(String videoId, int frameIndex, String uri, double timestampS) implements Serializable {}

  /** What decoding gives per frame (pixels NHWC in [−1, 1]), or once per video that could not be decoded. */
  record Decoded(FrameKey key, float[] pixels, String reason, String detail) implements Serializable {}

  private final JavaRDD<Decoded> decoded;
  private final JavaRDD<Row> results;

  Dl4jEncodeVideos(JavaSparkContext jsc, List<String[]> videos, EncodeVideosJob.Settings s, Broadcast<SerializableConfiguration> conf, Configuration hadoop) {
    decoded = jsc.parallelize(videos, Math.max(1, videos.size()))
        .mapPartitions(it -> decodePartition(it, s, conf.value().value()))
        .persist(StorageLevel.MEMORY_AND_DISK_SER());
    int size = s.size();
    JavaPairRDD<FrameKey, INDArray[]> frames = decoded.filter(d -> d.reason() == null)
        .mapToPair(d -> new Tuple2<>(d.key(), new INDArray[] {Dl4jVqgan.nchw(new org.lwm.vqgan.model.FeatureMap(1, size, size, 3, d.pixels()))}));
    SparkComputationGraph network = new SparkComputationGraph(jsc, VqganGraph.build(VqganModels.checkpoint(s.checkpoint(), hadoop, false), size), null);
    JavaRDD<Row> encoded = network.feedForwardWithKey(frames, s.batch()).map(t -> {
      FrameKey k = t._1();
      return RowFactory.create(k.videoId(), k.uri(), k.frameIndex(), k.timestampS(), Dl4jVqgan.codes(t._2()[0])[0], null, null);
    });
    JavaRDD<Row> failed = decoded.filter(d -> d.reason() != null)
        .map(d -> RowFactory.create(d.key().videoId(), d.key().uri(), null, null, null, d.reason(), d.detail()));
    results = encoded.union(failed);
  }

  /** The task rows (EncodeVideosJob's RESULT schema). */
  JavaRDD<Row> results() {
    return results;
  }

  /** Drops the kept decoded frames once the job has its rows. */
  void release() {
    decoded.unpersist();
  }

  private static Iterator<Decoded> decodePartition(Iterator<String[]> videos, EncodeVideosJob.Settings s, Configuration hadoop) {
    List<Decoded> out = new ArrayList<>();
    while (videos.hasNext()) {
      String[] v = videos.next();
      List<Decoded> frames = new ArrayList<>();
      try {
        EncodeVideosJob.readVideo(v[1], s.sampling(), hadoop, f -> frames.add(new Decoded(new FrameKey(v[0], f.index(), v[1], f.timestampS()),
            Preprocess.frame(f.rgb(), f.width(), f.height(), s.size()), null, null)));
        out.addAll(frames);
      } catch (VideoFrames.Failure f) {
        out.add(new Decoded(new FrameKey(v[0], -1, v[1], 0), null, f.reason, f.getMessage()));
      }
    }
    return out.iterator();
  }
}
