package io.vswitch.control.testing;

/**
 * The TCP peers of the netns conntrack and vMotion tests, as python3 scripts run in a {@link
 * NetnsHost} ({@code host.background("python3", "-c", TcpPeers.ECHO_SERVER, address, port)}), so a
 * long-lived kernel connection is written once: what these tests assert is that such a connection
 * lives on through a SYN flood, a policy change or a move between hosts.
 */
public final class TcpPeers {
  private TcpPeers() {}

  /** Echoes every byte of every connection on (argv[1], argv[2]), a thread each. */
  public static final String ECHO_SERVER =
      """
      import socket, sys, threading
      def handle(c):
          while True:
              data = c.recv(4096)
              if not data:
                  break
              c.sendall(data)
      """
          + Server.LOOP;

  /**
   * The accept loop the servers share, after their {@code handle(c)}: on (argv[1], argv[2]), a
   * thread per connection, closed once {@code handle} returns or the connection fails.
   */
  private static final class Server {
    static final String LOOP =
        """
        def serve(c):
            try:
                handle(c)
            except OSError:
                pass
            c.close()
        s = socket.socket(socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((sys.argv[1], int(sys.argv[2])))
        s.listen(64)
        while True:
            c, _ = s.accept()
            threading.Thread(target=serve, args=(c,), daemon=True).start()
        """;
  }

  /**
   * The connect loop the clients share: to argv[1]:argv[2] from source port argv[3] (0: any),
   * retried while the server starts; leaves the socket in {@code c}, or exits 2.
   */
  private static final String CONNECT =
      """
      import os, socket, sys, time
      for attempt in range(40):
          c = socket.socket(socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET)
          c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
          c.bind(("", int(sys.argv[3])))
          c.settimeout(2)
          try:
              c.connect((sys.argv[1], int(sys.argv[2])))
              break
          except OSError:
              c.close()
              time.sleep(0.25)
      else:
          print("no connection")
          sys.exit(2)
      """;

  /**
   * One long-lived connection to an {@link #ECHO_SERVER} at argv[1]:argv[2] from source port
   * argv[3] (0: any; connecting retried while the server starts): a line and its echo every 50 ms
   * until argv[4] seconds have passed, or, when argv[4] is not a number, until file argv[4] exists.
   * Each echo is awaited 30 s at most (TCP's retransmission backoff over an outage). Prints "ok
   * LINES MAXGAP_MS", or "broken after LINES : WHY"; exits 2 when it never connected.
   */
  public static final String SESSION =
      CONNECT
          + """
      if sys.argv[4].replace(".", "", 1).isdigit():
          end = time.time() + float(sys.argv[4])
          done = lambda: time.time() >= end
      else:
          done = lambda: os.path.exists(sys.argv[4])
      c.settimeout(30)
      n, gap, last = 0, 0.0, time.time()
      try:
          while not done():
              line = b"line %06d\\n" % n
              c.sendall(line)
              got = b""
              while len(got) < len(line):
                  chunk = c.recv(100)
                  if not chunk:
                      raise OSError("closed by the peer")
                  got += chunk
              if got != line:
                  raise OSError("echo mismatch")
              now = time.time()
              gap, last = max(gap, now - last), now
              n += 1
              time.sleep(0.05)
          print("ok", n, int(gap * 1000))
      except OSError as e:
          print("broken after", n, ":", e)
      """;

  /** Reads and throws away every byte of every connection on (argv[1], argv[2]), a thread each. */
  public static final String DISCARD_SERVER =
      """
      import socket, sys, threading
      def handle(c):
          while c.recv(1 << 16):
              pass
      """
          + Server.LOOP;

  /**
   * A bulk stream to a {@link #DISCARD_SERVER} at argv[1]:argv[2] from source port argv[3], as fast
   * as TCP goes, until file argv[4] exists; a send blocked for 30 s breaks it. Prints "ok BYTES" or
   * "broken after BYTES : WHY"; exits 2 when it never connected.
   */
  public static final String BULK_SENDER =
      CONNECT
          + """
      c.settimeout(30)
      block, sent = b"x" * (1 << 16), 0
      try:
          while not os.path.exists(sys.argv[4]):
              c.sendall(block)
              sent += len(block)
          print("ok", sent)
      except OSError as e:
          print("broken after", sent, ":", e)
      """;

  /** Connects to argv[1]:argv[2]: prints "connected", "refused" or "timeout" (2 s). */
  public static final String PROBE =
      """
      import socket, sys
      try:
          socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2).close()
          print("connected")
      except ConnectionRefusedError:
          print("refused")
      except OSError:
          print("timeout")
      """;

  /** The line count of a {@link #SESSION}'s "ok LINES MAXGAP_MS" (-1 when it broke). */
  public static int lines(String outcome) {
    String[] words = outcome.strip().split(" ");
    return words.length == 3 && words[0].equals("ok") ? Integer.parseInt(words[1]) : -1;
  }
}
