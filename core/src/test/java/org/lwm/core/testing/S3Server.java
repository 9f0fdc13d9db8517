package org.lwm.core.testing;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.lwm.core.config.Config;

/**
 * A real S3-compatible server for S3A tests: s3proxy (copied by Maven to core/target/s3proxy) as its own
 * process on loopback with the in-memory {@code transient} backend. One per test JVM; stopped at exit.
 */
public final class S3Server {
  public static final String ACCESS_KEY = "lwm-test-access";
  public static final String SECRET_KEY = "lwm-test-secret";
  private static S3Server instance;

  private final Process process;
  private final int port;

  private S3Server(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  public static synchronized S3Server get() {
    if (instance == null) instance = start();
    return instance;
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /** Config keys that point S3A at this server. */
  public Config config(Config base) {
    Map<String, String> m = new java.util.TreeMap<>(base.asMap());
    m.put("s3.endpoint", endpoint());
    m.put("s3.path_style", "true");
    m.put("s3.access_key", ACCESS_KEY);
    m.put("s3.secret_key", SECRET_KEY);
    return Config.of(m);
  }

  /** Creates a bucket through the AWS SDK (signed, as S3A's own requests are). */
  public void createBucket(String bucket) {
    com.amazonaws.services.s3.AmazonS3 s3 = com.amazonaws.services.s3.AmazonS3ClientBuilder.standard()
        .withEndpointConfiguration(new com.amazonaws.client.builder.AwsClientBuilder.EndpointConfiguration(endpoint(), "us-east-1"))
        .withPathStyleAccessEnabled(true)
        .withCredentials(new com.amazonaws.auth.AWSStaticCredentialsProvider(new com.amazonaws.auth.BasicAWSCredentials(ACCESS_KEY, SECRET_KEY)))
        .build();
    try {
      if (!s3.doesBucketExistV2(bucket)) s3.createBucket(bucket);
    } finally {
      s3.shutdown();
    }
  }

  private static S3Server start() {
    Path jar = TestSpark.repoRoot().resolve("core/target/s3proxy/s3proxy.jar");
    if (!Files.isReadable(jar)) {
      throw new IllegalStateException("s3proxy jar missing at " + jar + ": run the tests through Maven (core copies it in generate-test-resources)");
    }
    try {
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      Path props = Files.createTempFile("s3proxy", ".properties");
      Files.writeString(props, String.join("\n",
          "s3proxy.endpoint=http://127.0.0.1:" + port,
          "s3proxy.authorization=aws-v2-or-v4",
          "s3proxy.identity=" + ACCESS_KEY,
          "s3proxy.credential=" + SECRET_KEY,
          "jclouds.provider=transient",
          "jclouds.identity=" + ACCESS_KEY,
          "jclouds.credential=" + SECRET_KEY,
          ""));
      Path log = Files.createTempFile("s3proxy", ".log");
      Process p = new ProcessBuilder("java", "-Xmx512m", "-DLOG_LEVEL=warn", "-jar", jar.toString(), "--properties", props.toString())
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (System.nanoTime() < deadline) {
        if (!p.isAlive()) throw new IllegalStateException("s3proxy exited at start: " + Files.readString(log));
        try {
          HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/").toURL().openConnection();
          c.setConnectTimeout(500);
          c.getResponseCode();
          return new S3Server(p, port);
        } catch (IOException notYet) {
          Thread.sleep(200);
        }
      }
      p.destroyForcibly();
      throw new IllegalStateException("s3proxy did not answer within 60 s: " + Files.readString(log));
    } catch (IOException e) {
      throw new IllegalStateException("could not start s3proxy", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
