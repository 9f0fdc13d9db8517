package org.lwm.orchestration.airflow;

import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/** The client's real HttpClient, with every exchange noted: method, URI, status and Prism's verdict header. */
final class RecordingHttpClient extends HttpClient {
  record Exchange(String method, String uri, int status, String violations) {
    String path() {
      return URI_PATH.matcher(uri).replaceFirst("");
    }

    @Override
    public String toString() {
      return method + " " + path() + " -> " + status + (violations == null ? "" : " sl-violations: " + violations);
    }
  }

  private static final java.util.regex.Pattern URI_PATH = java.util.regex.Pattern.compile("^https?://[^/]+");

  private final HttpClient real;
  private final List<Exchange> exchanges;

  /** Notes into {@code exchanges} (a list shared by the clients of one test). */
  RecordingHttpClient(HttpClient real, List<Exchange> exchanges) {
    this.real = real;
    this.exchanges = exchanges;
  }

  static List<Exchange> newLog() {
    return new CopyOnWriteArrayList<>();
  }

  @Override
  public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws IOException, InterruptedException {
    HttpResponse<T> r = real.send(request, handler);
    exchanges.add(new Exchange(request.method(), request.uri().toString(), r.statusCode(), r.headers().firstValue("sl-violations").orElse(null)));
    return r;
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    throw new UnsupportedOperationException("the Airflow client sends synchronously");
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler,
      HttpResponse.PushPromiseHandler<T> push) {
    throw new UnsupportedOperationException("the Airflow client sends synchronously");
  }

  @Override public Optional<CookieHandler> cookieHandler() { return real.cookieHandler(); }
  @Override public Optional<Duration> connectTimeout() { return real.connectTimeout(); }
  @Override public Redirect followRedirects() { return real.followRedirects(); }
  @Override public Optional<ProxySelector> proxy() { return real.proxy(); }
  @Override public SSLContext sslContext() { return real.sslContext(); }
  @Override public SSLParameters sslParameters() { return real.sslParameters(); }
  @Override public Optional<Authenticator> authenticator() { return real.authenticator(); }
  @Override public Version version() { return real.version(); }
  @Override public Optional<Executor> executor() { return real.executor(); }
}
