package io.vswitch.control.api.http;

import static io.vswitch.control.testing.RawHttp.readAll;
import static io.vswitch.control.testing.RawHttp.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.testing.RawHttp;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile clients against the API's HTTP server: none may freeze it, none may make it read much.
 */
class StrictHttpServerTest {
  @TempDir Path dir;
  private StrictHttpServer server;
  private UnixDomainSocketAddress address;
  private final AtomicInteger handled = new AtomicInteger();
  private final AtomicInteger bodyBytes = new AtomicInteger();

  private static final HttpLimits LIMITS =
      new HttpLimits(
          8, 1024, 1000, Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(2));

  @BeforeEach
  void start() throws IOException {
    address = UnixDomainSocketAddress.of(dir.resolve("api.sock"));
    server =
        new StrictHttpServer(
            address,
            LIMITS,
            request -> {
              handled.incrementAndGet();
              if (request.header("x-refuse") != null) {
                return new HttpResponse(401, "{\"error\":\"no\"}", "application/json");
              }
              String body = request.method().equals("PUT") ? request.bodyText() : "";
              bodyBytes.addAndGet(body.length());
              return new HttpResponse(200, "ok " + request.path() + " " + body, "text/plain");
            });
    server.start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private SocketChannel connect() throws IOException {
    return RawHttp.connect(address);
  }

  private String request(String raw) throws IOException {
    return RawHttp.exchange(address, raw);
  }

  @Test
  void aHalfHeaderHeldOpenFreezesNobodyAndIsCutOffWith408() throws Exception {
    SocketChannel slow = connect();
    send(slow, "GET /v1/config HTTP/1.1\r\nHost: loc");
    for (int i = 0; i < 20; i++) {
      String reply = request("GET /x" + i + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
      assertTrue(reply.startsWith("HTTP/1.1 200 OK"), reply);
      assertTrue(reply.endsWith("ok /x" + i + " "), reply);
    }
    String cutOff = readAll(slow); // returns when the server closes it, after ~2 s
    assertTrue(cutOff.startsWith("HTTP/1.1 408"), cutOff);
    slow.close();
  }

  @Test
  void manyIdleConnectionsCannotExhaustIt() throws Exception {
    List<SocketChannel> idle = new ArrayList<>();
    for (int i = 0; i < LIMITS.maxConnections(); i++) {
      idle.add(connect());
    }
    // over the limit: answered at once, 503, not queued behind the idle ones
    String busy = request("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    assertTrue(busy.startsWith("HTTP/1.1 503"), busy);
    assertEquals(LIMITS.maxConnections(), server.stats().openConnections(), "all slots held");
    for (SocketChannel c : idle) {
      assertTrue(readAll(c).startsWith("HTTP/1.1 408"), "each idle one is cut off");
      c.close();
    }
    String later = request("GET /after HTTP/1.1\r\nHost: localhost\r\n\r\n");
    assertTrue(later.startsWith("HTTP/1.1 200"), "the slots come back: " + later);
    // what /metrics reports as vswitch_api_responses_total: the transport's answers too
    assertEquals(1, server.stats().responses(503));
    assertEquals(LIMITS.maxConnections(), server.stats().responses(408));
    assertEquals(1, server.stats().responses(200));
  }

  @Test
  void anOversizedBodyIs413BeforeAByteOfItIsRead() throws Exception {
    try (SocketChannel channel = connect()) {
      send(
          channel,
          "PUT /v1/config HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1500000000\r\n\r\n");
      String reply = readAll(channel);
      assertTrue(reply.startsWith("HTTP/1.1 413"), reply);
      assertTrue(reply.contains("over the limit of 1000"), reply);
    }
    assertEquals(0, handled.get(), "the handler never saw it");
  }

  @Test
  void aRefusedRequestsBodyIsNeverRead() throws Exception {
    try (SocketChannel channel = connect()) {
      send(
          channel,
          "PUT /v1/config HTTP/1.1\r\nHost: localhost\r\nX-Refuse: 1\r\nContent-Length: 900\r\n\r\n"
              + "x".repeat(100));
      assertTrue(readAll(channel).startsWith("HTTP/1.1 401"));
    }
    assertEquals(0, bodyBytes.get());
  }

  @Test
  void aGetWithABodyIsRefusedUnread() throws Exception {
    String reply =
        request("GET /v1/config HTTP/1.1\r\nHost: localhost\r\nContent-Length: 999\r\n\r\nxx");
    assertTrue(reply.startsWith("HTTP/1.1 400"), reply);
    assertTrue(reply.contains("carries no body"), reply);
    assertEquals(0, handled.get());
  }

  @Test
  void aBodyIsReadWholeByContentLengthOnly() throws Exception {
    String reply = request("PUT /p HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello");
    assertTrue(reply.startsWith("HTTP/1.1 200") && reply.endsWith("ok /p hello"), reply);
    String chunked =
        request(
            "PUT /p HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    assertTrue(chunked.startsWith("HTTP/1.1 411"), chunked);
    String twoLengths =
        request(
            "PUT /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!");
    assertTrue(twoLengths.startsWith("HTTP/1.1 400"), twoLengths);
    String badLength = request("PUT /p HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n");
    assertTrue(badLength.startsWith("HTTP/1.1 400"), badLength);
  }

  @Test
  void aSlowBodyIs408() throws Exception {
    try (SocketChannel channel = connect()) {
      send(channel, "PUT /p HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\nabc");
      assertTrue(readAll(channel).startsWith("HTTP/1.1 408"));
    }
  }

  @Test
  void malformedRequestsGetOneClearStatus() throws Exception {
    assertTrue(
        request("GET / HTTP/1.1\r\nHost: x\r\n" + "X: " + "a".repeat(2000) + "\r\n\r\n")
            .startsWith("HTTP/1.1 431"));
    assertTrue(request("GET / HTTP/2.0\r\nHost: x\r\n\r\n").startsWith("HTTP/1.1 505"));
    assertTrue(request("GET http://evil/ HTTP/1.1\r\nHost: x\r\n\r\n").startsWith("HTTP/1.1 400"));
    assertTrue(request("GET / HTTP/1.1\r\n folded: x\r\n\r\n").startsWith("HTTP/1.1 400"));
    assertTrue(request("GET / HTTP/1.1\r\nHost: \u00ff\r\n\r\n").startsWith("HTTP/1.1 400"));
    assertTrue(
        request("GET / HTTP/1.1\r\nHost: x\r\n\r\n").startsWith("HTTP/1.1 200"), "still serving");
  }
}
