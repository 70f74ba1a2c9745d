package io.vswitch.perf.loop.tail;

import io.vswitch.ffm.CpuAffinity;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the switch's /metrics (over the API's unix socket) every {@code periodMillis} on a thread
 * of its own, pinned to the housekeeping core, and keeps each reading of worker 0's stall histogram
 * with when it was taken. The scrapes themselves are kept as intervals too: each one is work on the
 * switch's main core, which the generator may share, so the correlation can count it as a source.
 */
public final class StallScraper implements AutoCloseable {
  private final Path socket;
  private final long periodMillis;
  private final int core;
  private final List<StallScrape> scrapes = new ArrayList<>();
  private final List<Interval> requests = new ArrayList<>();
  private final Thread thread;
  private volatile boolean running = true;
  private volatile String failure;

  public StallScraper(Path socket, long periodMillis, int core) {
    this.socket = socket;
    this.periodMillis = periodMillis;
    this.core = core;
    this.thread = new Thread(this::loop, "loop-stall-scraper");
    thread.setDaemon(true);
  }

  public StallScraper start() {
    thread.start();
    return this;
  }

  private void loop() {
    if (core >= 0) {
      CpuAffinity.pin(core);
    }
    while (running) {
      long before = System.nanoTime();
      try {
        String text = get(socket, "/metrics");
        long after = System.nanoTime();
        StallScrape s = StallScrape.parse(text, 0, before, after);
        synchronized (this) {
          requests.add(new Interval(before, after, ""));
          if (s != null) {
            scrapes.add(s);
          }
        }
      } catch (IOException | RuntimeException e) {
        failure = e.toString();
      }
      try {
        Thread.sleep(periodMillis);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** The readings taken in [from, to] (by request time), oldest first. */
  public synchronized List<StallScrape> scrapes(long from, long to) {
    return scrapes.stream().filter(s -> s.before() >= from && s.before() <= to).toList();
  }

  public synchronized List<Interval> requests(long from, long to) {
    return requests.stream().filter(r -> r.touches(from, to)).toList();
  }

  /** The last error, or null when every scrape worked. */
  public String failure() {
    return failure;
  }

  /** A plain HTTP/1.1 GET over a unix socket; the body. */
  static String get(Path socket, String path) throws IOException {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      ByteBuffer req =
          StandardCharsets.US_ASCII.encode(
              "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
      while (req.hasRemaining()) {
        ch.write(req);
      }
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
      while (ch.read(buf) >= 0) {
        buf.flip();
        all.write(buf.array(), 0, buf.limit());
        buf.clear();
      }
      String reply = all.toString(StandardCharsets.UTF_8);
      if (!reply.startsWith("HTTP/1.1 200")) {
        throw new IOException(
            "GET " + path + ": " + reply.substring(0, Math.min(80, reply.length())));
      }
      int body = reply.indexOf("\r\n\r\n");
      return body < 0 ? "" : reply.substring(body + 4);
    }
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
