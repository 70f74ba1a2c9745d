package io.vswitch.control.testing;

/**
 * The UDP peers of the netns policy tests, as python3 scripts run in a {@link NetnsHost} ({@code
 * host.background("python3", "-c", UdpPeers.ECHO_SERVER, address, port)}). Both take IPv4 or IPv6
 * addresses, so the security-group and conntrack tests share one copy.
 */
public final class UdpPeers {
  private UdpPeers() {}

  /** Answers every datagram on (argv[1], argv[2]) with "echo:" and its payload. */
  public static final String ECHO_SERVER =
      """
      import socket, sys
      s = socket.socket(socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET, socket.SOCK_DGRAM)
      s.bind((sys.argv[1], int(sys.argv[2])))
      while True:
          data, peer = s.recvfrom(100)
          s.sendto(b"echo:" + data, peer)
      """;

  /**
   * Sends "hello" to (argv[1], argv[2]) until an answer comes, argv[3] tries of 1 s; prints the
   * answer, or exits 2 when none came (policy dropped the request or its reply).
   */
  public static final String CLIENT =
      """
      import socket, sys
      s = socket.socket(socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET, socket.SOCK_DGRAM)
      s.settimeout(1)
      for attempt in range(int(sys.argv[3])):
          s.sendto(b"hello", (sys.argv[1], int(sys.argv[2])))
          try:
              print(s.recv(100).decode())
              break
          except OSError:
              pass
      else:
          sys.exit(2)
      """;
}
