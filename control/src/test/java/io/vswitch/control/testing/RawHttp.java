package io.vswitch.control.testing;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * Raw bytes to an HTTP server over a unix or TCP socket, for tests that must send what no HTTP
 * client would: half headers, lying lengths, forged Host headers.
 */
public final class RawHttp {
  private RawHttp() {}

  public static SocketChannel connect(SocketAddress address) throws IOException {
    SocketChannel channel =
        SocketChannel.open(
            address instanceof UnixDomainSocketAddress
                ? StandardProtocolFamily.UNIX
                : StandardProtocolFamily.INET);
    channel.connect(address);
    return channel;
  }

  public static void send(SocketChannel channel, String text) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1));
    while (b.hasRemaining()) {
      channel.write(b);
    }
  }

  /** Everything until the server closes (a reset after the answer ends it too). */
  public static String readAll(SocketChannel channel) {
    StringBuilder all = new StringBuilder();
    ByteBuffer b = ByteBuffer.allocate(8192);
    try {
      while (channel.read(b) >= 0) {
        all.append(new String(b.array(), 0, b.position(), StandardCharsets.UTF_8));
        b.clear();
      }
    } catch (IOException e) {
      // a reset after the answer: what we have is what counts
    }
    return all.toString();
  }

  /** One request, its whole answer. */
  public static String exchange(SocketAddress address, String raw) throws IOException {
    try (SocketChannel channel = connect(address)) {
      send(channel, raw);
      return readAll(channel);
    }
  }
}
