package io.vswitch.control.api;

import io.vswitch.control.api.http.HttpLimits;
import io.vswitch.control.api.http.HttpRequest;
import io.vswitch.control.api.http.HttpResponse;
import io.vswitch.control.api.http.StrictHttpServer;
import io.vswitch.control.api.metrics.Exposition;
import io.vswitch.control.plane.ControlAgent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.RejectedExecutionException;

/**
 * The {@code --metrics host:port} listener: GET /metrics and nothing else, without the API token,
 * for a Prometheus server to scrape (it cannot reach the API's unix socket). It is how
 * node_exporter and OVS/VPP exporters are run: a separate read-only port, off unless asked, on
 * loopback unless an address is given. Nothing on it changes the switch or reads the config, the
 * FDB or the journal, so it needs no token; what it shows (port names and traffic) is why it stays
 * on loopback by default.
 *
 * <p>On loopback, the Host header is checked as on the API (DNS rebinding: a web page must not read
 * it through the browser of someone on the switch). On another address it is not: a scraper names
 * the switch by whatever DNS name it has, and anyone who can reach the port can read it anyway.
 *
 * <p>It keeps the strict server's limits, tighter than the API's ({@link #LIMITS}): a scrape is
 * rendered on the control agent, so a few connections at most may wait for it, and changes queued
 * by the API are never crowded out by scrapers.
 */
public final class MetricsServer implements AutoCloseable {
  /** The path served; everything else is 404. */
  public static final String PATH = "/metrics";

  /**
   * 4 connections (Prometheus scrapes a target over one at a time; a few servers in HA), an 8 KiB
   * header, no body, 10 s to send the request and 30 s to take the answer.
   */
  static final HttpLimits LIMITS =
      new HttpLimits(
          4,
          8 * 1024,
          0,
          java.time.Duration.ofSeconds(10),
          java.time.Duration.ofSeconds(10),
          java.time.Duration.ofSeconds(30));

  private final StrictHttpServer server;
  private final PrometheusMetrics metrics;
  private final ControlAgent agent;
  private final HostCheck hostCheck;

  private MetricsServer(InetSocketAddress address, PrometheusMetrics metrics, ControlAgent agent)
      throws IOException {
    this.metrics = metrics;
    this.agent = agent;
    this.hostCheck =
        address.getAddress().isLoopbackAddress() ? new HostCheck(address.getHostString()) : null;
    this.server = new StrictHttpServer(address, LIMITS, this::handle);
    metrics.http().register("metrics", server.stats());
  }

  /** Binds {@code address} and starts serving. */
  public static MetricsServer start(
      InetSocketAddress address, PrometheusMetrics metrics, ControlAgent agent) throws IOException {
    MetricsServer server = new MetricsServer(address, metrics, agent);
    server.server.start();
    return server;
  }

  /** Where it listens, e.g. "http://127.0.0.1:9477/metrics". */
  public String url() {
    InetSocketAddress bound = (InetSocketAddress) server.address();
    String host = bound.getAddress().getHostAddress();
    return "http://"
        + (host.contains(":") ? "[" + host + "]" : host)
        + ":"
        + bound.getPort()
        + PATH;
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) server.address();
  }

  private HttpResponse handle(HttpRequest request) {
    if (hostCheck != null) {
      String refusal = hostCheck.refusal(request.header("host"), request.localHost());
      if (refusal != null) {
        return error(403, refusal);
      }
    }
    if (!request.path().equals(PATH)) {
      return error(404, "only " + PATH + " is served here (the API is on its own socket)");
    }
    if (!request.method().equals("GET")) {
      return error(405, PATH + " is read-only: GET").withHeader("Allow", "GET");
    }
    try {
      return new HttpResponse(200, agent.submit(metrics::render), Exposition.CONTENT_TYPE);
    } catch (RejectedExecutionException e) {
      return error(503, e.getMessage());
    }
  }

  private static HttpResponse error(int status, String message) {
    return new HttpResponse(status, message + "\n", "text/plain; charset=utf-8");
  }

  @Override
  public void close() {
    server.close();
  }
}
