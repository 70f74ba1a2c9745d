package io.vswitch.perf.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A switch's own connection-tracking counters, read for the connection rows: how many connections
 * its table holds (established ones apart) and how many it has created. The switch's come from its
 * Prometheus scrape ({@code vswitch_conntrack_connections}, {@code
 * vswitch_conntrack_new_connections_total}); OVS's from {@code dpctl/ct-get-nconns} and the packets
 * of its {@code ct_state=+trk+new} flow (each one a connection committed).
 *
 * @param connections live connections in the table
 * @param established of those, established (UDP: replied); -1 when the switch does not say
 * @param created connections created since start
 */
record ConntrackCounts(long connections, long established, long created) {
  private static final Pattern SAMPLE =
      Pattern.compile("^(vswitch_conntrack_[a-z_]+)(\\{[^}]*})?\\s+([0-9.eE+-]+)$");
  private static final Pattern N_PACKETS = Pattern.compile("n_packets=(\\d+)");
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** Parses a {@code /metrics} scrape. */
  static ConntrackCounts ofScrape(String scrape) {
    long live = 0;
    long established = 0;
    long created = 0;
    for (String line : scrape.split("\n")) {
      Matcher m = SAMPLE.matcher(line.trim());
      if (!m.matches()) {
        continue;
      }
      long v = (long) Double.parseDouble(m.group(3));
      switch (m.group(1)) {
        case "vswitch_conntrack_connections" -> {
          live += v;
          String labels = m.group(2) == null ? "" : m.group(2);
          if (labels.contains("state=\"ESTABLISHED\"") || labels.contains("state=\"REPLIED\"")) {
            established += v;
          }
        }
        case "vswitch_conntrack_new_connections_total" -> created += v;
        default -> {}
      }
    }
    return new ConntrackCounts(live, established, created);
  }

  /**
   * Scrapes {@code url} (the switch's --metrics listener); three tries, as a scrape walks the whole
   * table on the switch's control agent, which shares the main core with the generator.
   */
  static ConntrackCounts scrape(String url) {
    IllegalStateException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      try {
        return scrapeOnce(url);
      } catch (IllegalStateException e) {
        last = e;
        TestpmdRunner.sleep(1000);
      }
    }
    throw last;
  }

  private static ConntrackCounts scrapeOnce(String url) {
    try {
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException(url + ": HTTP " + r.statusCode());
      }
      return ofScrape(r.body());
    } catch (IOException e) {
      throw new IllegalStateException(url + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** OVS's: {@code ct-get-nconns}' number and the +new flow's packets ({@code dump-flows}). */
  static ConntrackCounts ofOvs(String nconns, String newFlowDump) {
    long created = 0;
    Matcher m = N_PACKETS.matcher(newFlowDump);
    while (m.find()) {
      created += Long.parseLong(m.group(1));
    }
    return new ConntrackCounts(Long.parseLong(nconns.trim()), -1, created);
  }

  /** A free TCP port on loopback for the switch's --metrics listener. */
  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free port: " + e.getMessage(), e);
    }
  }

  /**
   * Waits (up to {@code seconds}) until {@code read} reports at least {@code wanted} connections
   * and returns the last reading.
   */
  static ConntrackCounts awaitAtLeast(Supplier<ConntrackCounts> read, long wanted, int seconds) {
    long deadline = System.currentTimeMillis() + seconds * 1000L;
    ConntrackCounts c = read.get();
    while (c.connections() < wanted && System.currentTimeMillis() < deadline) {
      TestpmdRunner.sleep(500);
      c = read.get();
    }
    return c;
  }

  /** The note of a window from {@code a} to {@code b}, {@code seconds} long. */
  static String note(ConntrackCounts a, ConntrackCounts b, double seconds) {
    return String.format(
        Locale.ROOT,
        "connections in the table %,d at the window's start, %,d at its end%s;"
            + " %,.0f new connections/s",
        a.connections(),
        b.connections(),
        b.established() < 0
            ? ""
            : String.format(Locale.ROOT, " (%,d established)", b.established()),
        (b.created() - a.created()) / seconds);
  }
}
