package io.vswitch.control.api.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A small, strict HTTP/1.1 server over a unix or TCP socket: one request per connection, bodies by
 * Content-Length only (no chunked requests: 411), and every client bounded by {@link HttpLimits} so
 * that no client can freeze or exhaust it. Each connection gets a virtual thread; the number of
 * connections is capped, so the threads are too. A slow client is cut off by a per-connection timer
 * (408), never by blocking another client: changes are still serialised by whoever the handler
 * hands them to (the control plane), not by this server.
 *
 * <p>Why not com.sun.net.httpserver: it cannot serve a unix socket, has no read timeouts, and reads
 * request bodies before the handler can refuse them.
 */
public final class StrictHttpServer implements AutoCloseable {
  private static final byte[] CONTINUE =
      "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

  private final ServerSocketChannel server;
  private final SocketAddress bound;
  private final boolean tcp;
  private final HttpLimits limits;
  private final Function<HttpRequest, HttpResponse> handler;
  private final Semaphore slots;
  private final HttpStats stats;
  private final ExecutorService connections =
      Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("vswitch-api-", 0).factory());
  private final ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1);
  private final Thread acceptor;

  /** Binds {@code address} (a {@link UnixDomainSocketAddress} or {@link InetSocketAddress}). */
  public StrictHttpServer(
      SocketAddress address, HttpLimits limits, Function<HttpRequest, HttpResponse> handler)
      throws IOException {
    this.tcp = address instanceof InetSocketAddress;
    this.server =
        tcp
            ? ServerSocketChannel.open(StandardProtocolFamily.INET)
            : ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    if (tcp) {
      server.socket().setReuseAddress(true);
    }
    server.bind(address, 64);
    this.bound = server.getLocalAddress();
    this.limits = limits;
    this.handler = handler;
    this.slots = new Semaphore(limits.maxConnections());
    this.stats =
        new HttpStats(
            () -> limits.maxConnections() - slots.availablePermits(), limits.maxConnections());
    timers.setRemoveOnCancelPolicy(true);
    timers.setThreadFactory(
        r -> Thread.ofPlatform().daemon().name("vswitch-api-timer").unstarted(r));
    this.acceptor = Thread.ofPlatform().daemon().name("vswitch-api-accept").unstarted(this::accept);
  }

  public void start() {
    acceptor.start();
  }

  public SocketAddress address() {
    return bound;
  }

  /** What it answered so far, and its connections now. */
  public HttpStats stats() {
    return stats;
  }

  private void accept() {
    while (server.isOpen()) {
      SocketChannel channel;
      try {
        channel = server.accept();
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        continue; // one failed accept (EMFILE...) must not end the API
      }
      if (!slots.tryAcquire()) {
        connections.execute(() -> refuseBusy(channel));
        continue;
      }
      connections.execute(
          () -> {
            try {
              new Connection(channel).serve();
            } finally {
              slots.release();
            }
          });
    }
  }

  /** Over the limit: a short answer under the write timeout, and the connection closed. */
  private void refuseBusy(SocketChannel channel) {
    Timer timer = new Timer(channel);
    timer.arm(limits.writeTimeout().toMillis(), false);
    try (channel) {
      write(channel, error(503, "too many API connections (" + limits.maxConnections() + ")"));
    } catch (IOException e) {
      // the client went away; nothing to tell
    } finally {
      timer.disarm();
    }
  }

  static HttpResponse error(int status, String message) {
    String json = "{\"error\":\"" + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
    return new HttpResponse(status, json, "application/json");
  }

  private void write(SocketChannel channel, HttpResponse response) throws IOException {
    stats.answered(response.status());
    ByteBuffer out = ByteBuffer.wrap(response.encode());
    while (out.hasRemaining()) {
      channel.write(out);
    }
  }

  /**
   * Closes a connection whose client is too slow, first telling it why when it is still sending.
   */
  private final class Timer {
    private final SocketChannel channel;
    private ScheduledFuture<?> pending;
    volatile boolean expired;

    Timer(SocketChannel channel) {
      this.channel = channel;
    }

    void arm(long millis, boolean tell408) {
      disarm();
      pending =
          timers.schedule(
              () -> {
                expired = true;
                // on a virtual thread: the 408 write must not hold up the one timer thread
                Thread.ofVirtual().start(() -> expire(tell408));
              },
              millis,
              TimeUnit.MILLISECONDS);
    }

    private void expire(boolean tell408) {
      try (channel) {
        if (tell408) {
          channel.configureBlocking(true);
          write(channel, error(408, "request not received in time"));
        }
      } catch (IOException | RuntimeException e) {
        // closing is what matters
      }
    }

    void disarm() {
      if (pending != null) {
        pending.cancel(false);
      }
    }
  }

  /** One connection: one request, one response. */
  private final class Connection {
    private final SocketChannel channel;
    private final Timer timer;
    private final ByteBuffer in;
    private boolean bodyRead;

    Connection(SocketChannel channel) {
      this.channel = channel;
      this.timer = new Timer(channel);
      this.in = ByteBuffer.allocate(limits.maxHeaderBytes());
    }

    void serve() {
      try (channel) {
        timer.arm(limits.headerTimeout().toMillis(), true);
        HttpResponse response;
        try {
          HttpRequest request = parse(readHead());
          timer.disarm();
          response = handler.apply(request);
        } catch (HttpError e) {
          response = error(e.status(), e.getMessage());
        }
        if (timer.expired) {
          return; // the timer has answered 408 and closed
        }
        timer.arm(limits.writeTimeout().toMillis(), false);
        write(channel, response);
        if (!bodyRead && response.status() >= 400) {
          lingerAfterRefusal(); // there may be an unread body (or the rest of a bad header)
        }
      } catch (IOException | RuntimeException e) {
        // the client went away or was cut off by its timer
      } finally {
        timer.disarm();
      }
    }

    /**
     * The body was refused unread: half-close and discard a little of what is in flight, so that
     * the client reads our answer rather than a reset; bounded in time and bytes.
     */
    private void lingerAfterRefusal() throws IOException {
      channel.shutdownOutput();
      timer.arm(1000, false);
      ByteBuffer sink = ByteBuffer.allocate(8192);
      long discarded = 0;
      while (discarded < 1 << 20) {
        sink.clear();
        int n = channel.read(sink);
        if (n < 0) {
          return;
        }
        discarded += n;
      }
    }

    /** Reads up to the blank line; leaves any body bytes that came with it in {@code in}. */
    private String readHead() throws IOException {
      int scanned = 0;
      while (true) {
        int end = headEnd(scanned);
        if (end >= 0) {
          byte[] head = new byte[end];
          in.flip();
          in.get(head);
          in.position(in.position() + 4);
          in.compact();
          for (byte b : head) {
            if (b < 0 || (b < 0x20 && b != '\r' && b != '\n' && b != '\t')) {
              throw new HttpError(400, "the request header must be printable ASCII");
            }
          }
          return new String(head, StandardCharsets.ISO_8859_1);
        }
        scanned = Math.max(0, in.position() - 3);
        if (!in.hasRemaining()) {
          throw new HttpError(
              431, "request header larger than " + limits.maxHeaderBytes() + " bytes");
        }
        if (channel.read(in) < 0) {
          throw new HttpError(400, "connection closed inside the request header");
        }
      }
    }

    private int headEnd(int from) {
      for (int i = from; i + 3 < in.position(); i++) {
        if (in.get(i) == '\r'
            && in.get(i + 1) == '\n'
            && in.get(i + 2) == '\r'
            && in.get(i + 3) == '\n') {
          return i;
        }
      }
      return -1;
    }

    private HttpRequest parse(String head) throws IOException {
      String[] lines = head.split("\r\n", -1);
      String[] start = lines[0].split(" ", -1);
      if (start.length != 3 || !start[0].matches("[A-Z]{1,16}") || !start[1].startsWith("/")) {
        throw new HttpError(400, "malformed request line");
      }
      if (!start[2].equals("HTTP/1.1") && !start[2].equals("HTTP/1.0")) {
        throw new HttpError(505, "only HTTP/1.1 is served");
      }
      Map<String, String> headers = new HashMap<>();
      for (int i = 1; i < lines.length; i++) {
        String line = lines[i];
        int colon = line.indexOf(':');
        if (colon <= 0 || !line.substring(0, colon).matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
          throw new HttpError(400, "malformed header line " + i);
        }
        String name = line.substring(0, colon).toLowerCase(Locale.ROOT);
        String value = line.substring(colon + 1).strip();
        if (headers.putIfAbsent(name, value) != null
            && (name.equals("content-length") || name.equals("host"))) {
          throw new HttpError(400, "more than one " + name + " header");
        }
      }
      if (headers.containsKey("transfer-encoding")) {
        throw new HttpError(
            411, "send the body with Content-Length; Transfer-Encoding is not accepted");
      }
      long length = contentLength(headers.get("content-length"));
      String method = start[0];
      boolean bodyAllowed = method.equals("PUT") || method.equals("POST") || method.equals("PATCH");
      if (length > 0 && !bodyAllowed) {
        throw new HttpError(400, "a " + method + " request carries no body");
      }
      if (length > limits.maxBodyBytes()) {
        throw new HttpError(
            413,
            "request body of " + length + " bytes is over the limit of " + limits.maxBodyBytes());
      }
      int query = start[1].indexOf('?');
      String path = query < 0 ? start[1] : start[1].substring(0, query);
      String remote = "unix";
      String local = null;
      if (!tcp) {
        // the peer's user, from the kernel (SO_PEERCRED): who made a change, for the audit log
        remote =
            "unix socket, user "
                + channel.getOption(jdk.net.ExtendedSocketOptions.SO_PEERCRED).user().getName();
      } else {
        remote = ((InetSocketAddress) channel.getRemoteAddress()).getAddress().getHostAddress();
        local = ((InetSocketAddress) channel.getLocalAddress()).getAddress().getHostAddress();
      }
      boolean expectContinue = "100-continue".equalsIgnoreCase(headers.get("expect"));
      return new HttpRequest(
          method,
          path,
          Map.copyOf(headers),
          tcp,
          remote,
          local,
          length,
          () -> readBody((int) length, expectContinue));
    }

    private static long contentLength(String value) {
      if (value == null) {
        return 0;
      }
      if (!value.matches("[0-9]{1,18}")) {
        throw new HttpError(400, "bad Content-Length '" + value + "'");
      }
      return Long.parseLong(value);
    }

    private byte[] readBody(int length, boolean expectContinue) {
      if (bodyRead) {
        throw new IllegalStateException("the body is read once");
      }
      bodyRead = true;
      try {
        timer.arm(limits.bodyTimeout().toMillis(), true);
        if (expectContinue && in.position() == 0) {
          channel.write(ByteBuffer.wrap(CONTINUE));
        }
        byte[] body = new byte[length];
        in.flip();
        int have = Math.min(in.remaining(), length);
        in.get(body, 0, have);
        ByteBuffer rest = ByteBuffer.wrap(body, have, length - have);
        while (rest.hasRemaining()) {
          if (channel.read(rest) < 0) {
            throw new HttpError(400, "connection closed inside the request body");
          }
        }
        timer.disarm();
        return body;
      } catch (IOException e) {
        throw new HttpError(408, "request body not received in time");
      }
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    if (!tcp) {
      try {
        java.nio.file.Files.deleteIfExists(((UnixDomainSocketAddress) bound).getPath());
      } catch (IOException e) {
        // the socket file is removed at the next start if it stays
      }
    }
    connections.shutdownNow();
    timers.shutdownNow();
  }
}
