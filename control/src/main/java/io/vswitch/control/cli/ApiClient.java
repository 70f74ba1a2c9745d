package io.vswitch.control.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A tiny HTTP/1.1 client over the daemon's unix socket (java.net.http cannot use one) or TCP: one
 * request per connection, Content-Length bodies, as the daemon's server speaks.
 */
final class ApiClient {
  /** A reply: status (0 when the daemon could not be reached, with the reason as body). */
  record Reply(int status, String body, Map<String, String> headers) {}

  private final SocketAddress address;
  private final String display;
  private final String host;

  private ApiClient(SocketAddress address, String display, String host) {
    this.address = address;
    this.display = display;
    this.host = host;
  }

  /** "unix:/path", "/path", "http://host:port" or "host:port". */
  static ApiClient of(String api) {
    if (api.startsWith("unix:") || api.startsWith("/")) {
      Path path = Path.of(api.startsWith("unix:") ? api.substring(5) : api);
      return new ApiClient(UnixDomainSocketAddress.of(path), path.toString(), "localhost");
    }
    String hostPort = api.replaceFirst("^http://", "").replaceAll("/+$", "");
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0 || !hostPort.substring(colon + 1).matches("[0-9]{1,5}")) {
      throw new IllegalArgumentException(
          "--api must be unix:PATH, http://HOST:PORT or HOST:PORT, not '" + api + "'");
    }
    String name = hostPort.substring(0, colon).replaceAll("^\\[|\\]$", "");
    return new ApiClient(
        InetSocketAddress.createUnresolved(name, Integer.parseInt(hostPort.substring(colon + 1))),
        "http://" + hostPort,
        hostPort);
  }

  String display() {
    return display;
  }

  Reply call(String method, String path, String body, Map<String, String> extraHeaders) {
    byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
    StringBuilder head = new StringBuilder();
    head.append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
    head.append("Host: ").append(host).append("\r\n");
    head.append("Connection: close\r\n");
    extraHeaders.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
    if (body != null) {
      head.append("Content-Type: application/json\r\n");
      head.append("Content-Length: ").append(content.length).append("\r\n");
    }
    head.append("\r\n");
    try (SocketChannel channel = open()) {
      // A watchdog: the daemon answers within its own timeouts, but a wedged peer must not hang us.
      Thread watchdog = Thread.ofPlatform().daemon().start(() -> closeAfter(channel, 120_000));
      try {
        writeAll(channel, head.toString().getBytes(StandardCharsets.UTF_8));
        writeAll(channel, content);
        return parse(readAll(channel));
      } finally {
        watchdog.interrupt();
      }
    } catch (IOException e) {
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      return new Reply(
          0,
          "cannot reach vswitch at " + display + ": is the daemon running? (" + why + ")",
          Map.of());
    }
  }

  private SocketChannel open() throws IOException {
    if (address instanceof InetSocketAddress inet) {
      SocketChannel channel = SocketChannel.open(StandardProtocolFamily.INET);
      channel.connect(new InetSocketAddress(inet.getHostString(), inet.getPort()));
      return channel;
    }
    return SocketChannel.open(address);
  }

  private static void closeAfter(SocketChannel channel, long millis) {
    try {
      Thread.sleep(millis);
      channel.close();
    } catch (InterruptedException | IOException e) {
      // done in time
    }
  }

  private static void writeAll(SocketChannel channel, byte[] bytes) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
  }

  private static byte[] readAll(SocketChannel channel) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    while (channel.read(buffer) >= 0) {
      all.write(buffer.array(), 0, buffer.position());
      buffer.clear();
    }
    return all.toByteArray();
  }

  private static Reply parse(byte[] raw) throws IOException {
    String text = new String(raw, StandardCharsets.UTF_8);
    int end = text.indexOf("\r\n\r\n");
    if (!text.startsWith("HTTP/1.") || end < 0) {
      throw new IOException("not an HTTP reply");
    }
    String[] lines = text.substring(0, end).split("\r\n");
    String[] status = lines[0].split(" ", 3);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers.put(
            lines[i].substring(0, colon).toLowerCase(Locale.ROOT),
            lines[i].substring(colon + 1).strip());
      }
    }
    return new Reply(Integer.parseInt(status[1]), text.substring(end + 4), headers);
  }
}
