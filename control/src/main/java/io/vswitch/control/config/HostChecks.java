package io.vswitch.control.config;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Checks a port's devargs against this host before DPDK sees them: DPDK's own failures are a page
 * of log with the cause in the middle, so what the kernel or permissions will refuse is said here
 * in one line with what to do. Works on compiled devargs, so raw and typed ports get the same.
 */
public final class HostChecks {
  private static final int CAP_NET_ADMIN = 12;
  private static final int CAP_NET_RAW = 13;
  private static final int CAP_SYS_ADMIN = 21;
  private static final int CAP_BPF = 39;
  private static final int AF_XDP = 44;
  private static final int SOCK_RAW = 3;

  private HostChecks() {}

  static void check(String portName, String devargs) {
    String where = "port '" + portName + "'";
    String driver = driver(devargs);
    Map<String, String> args = arguments(devargs);
    if (driver.startsWith("net_af_xdp")) {
      requireInterfaces(where, args);
      requireCapability(where, "AF_XDP", CAP_NET_RAW, "CAP_NET_RAW");
      requireCapability(where, "AF_XDP", CAP_NET_ADMIN, "CAP_NET_ADMIN");
      require(
          hasCapability(CAP_BPF) || hasCapability(CAP_SYS_ADMIN),
          where
              + ": AF_XDP loads an XDP program and needs CAP_BPF (or CAP_SYS_ADMIN): run as root");
      require(
          afXdpSupported(),
          where
              + ": this kernel has no AF_XDP sockets (needs Linux >= 4.18 with CONFIG_XDP_SOCKETS);"
              + " use type: afpacket");
    } else if (driver.startsWith("net_af_packet") || driver.startsWith("net_pcap")) {
      requireInterfaces(where, args);
      if (args.containsKey("iface") || args.containsKey("rx_iface")) {
        requireCapability(where, "packet sockets", CAP_NET_RAW, "CAP_NET_RAW");
      }
      requireInputFile(where, args.get("rx_pcap"));
      requireOutputFile(where, args.get("tx_pcap"));
    } else if (driver.startsWith("net_vhost")) {
      checkVhostSocket(where, args.get("iface"), "1".equals(args.get("client")));
    } else if (driver.startsWith("net_virtio_user")) {
      checkVirtioUserSocket(where, args.get("path"));
    }
  }

  /**
   * What the port holds that no other port may: its vhost-user socket or its output capture (two
   * ports writing one file, or serving one socket, fail in DPDK with a less clear message). Null
   * when it holds nothing exclusive.
   */
  static String exclusiveResource(String devargs) {
    Map<String, String> args = arguments(devargs);
    String driver = driver(devargs);
    if (driver.startsWith("net_vhost") && args.containsKey("iface")) {
      return "socket " + Path.of(args.get("iface")).toAbsolutePath().normalize();
    }
    if (driver.startsWith("net_virtio_user") && args.containsKey("path")) {
      return "socket " + Path.of(args.get("path")).toAbsolutePath().normalize();
    }
    if (args.containsKey("tx_pcap")) {
      return "capture file " + Path.of(args.get("tx_pcap")).toAbsolutePath().normalize();
    }
    return null;
  }

  /**
   * Removes a vhost-user server socket that nobody serves any more (a switch that was killed leaves
   * it behind, and DPDK 22.11 will not bind over it), so that a restarted switch comes back without
   * operator action. A live socket is left alone: {@link #check} has refused the config already.
   */
  public static void removeStaleServerSocket(String devargs) {
    Map<String, String> args = arguments(devargs);
    if (!driver(devargs).startsWith("net_vhost") || "1".equals(args.get("client"))) {
      return;
    }
    Path socket = Path.of(args.get("iface"));
    if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS) && !isSocket(socket)) {
      // Only a socket is stale: a port's path must never delete a file that happens to be there.
      throw new ConfigException(
          "vhost-user socket path " + socket + " exists and is not a socket: not replacing it");
    }
    if (Files.exists(socket) && !listening(socket)) {
      try {
        Files.deleteIfExists(socket);
      } catch (IOException e) {
        throw new ConfigException("cannot remove stale vhost-user socket " + socket + ": " + e);
      }
    }
  }

  private static boolean isSocket(Path path) {
    try {
      int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
      return (mode & 0170000) == 0140000; // S_IFMT == S_IFSOCK
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  private static void checkVhostSocket(String where, String socket, boolean client) {
    require(socket != null, where + ": net_vhost needs iface=<socket path>");
    Path path = Path.of(socket).toAbsolutePath();
    Path dir = path.getParent();
    require(
        Files.isDirectory(dir),
        where + ": directory " + dir + " for vhost-user socket does not exist: create it");
    if (client) {
      return; // the VM owns the socket; DPDK reconnects until it is there
    }
    require(Files.isWritable(dir), where + ": cannot create a socket in " + dir + " (permissions)");
    require(
        !Files.exists(path, LinkOption.NOFOLLOW_LINKS) || isSocket(path),
        where + ": " + path + " exists and is not a socket: choose another path");
    require(
        !(Files.exists(path) && listening(path)),
        where
            + ": vhost-user socket "
            + path
            + " is busy: another process serves it (another switch?); choose another path");
  }

  private static void checkVirtioUserSocket(String where, String socket) {
    require(socket != null, where + ": net_virtio_user needs path=<socket path>");
    Path path = Path.of(socket);
    require(
        Files.exists(path),
        where + ": nothing serves vhost-user socket " + path + ": start the backend first");
    require(
        listening(path),
        where
            + ": vhost-user socket "
            + path
            + " exists but nobody listens on it: restart the backend");
  }

  /** A process accepts on the socket. A vhost backend serves one peer, and drops this probe. */
  private static boolean listening(Path socket) {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      return ch.connect(UnixDomainSocketAddress.of(socket));
    } catch (IOException e) {
      return false;
    }
  }

  private static void requireInterfaces(String where, Map<String, String> args) {
    for (String key : new String[] {"iface", "rx_iface", "tx_iface"}) {
      String iface = args.get(key);
      if (iface != null) {
        require(
            Files.exists(Path.of("/sys/class/net", iface)),
            where + ": network interface '" + iface + "' does not exist (see `ip link show`)");
      }
    }
  }

  private static void requireInputFile(String where, String file) {
    if (file != null) {
      require(
          Files.isReadable(Path.of(file)),
          where + ": capture file '" + file + "' cannot be read (missing, or permissions)");
    }
  }

  private static void requireOutputFile(String where, String file) {
    if (file != null) {
      Path dir = Path.of(file).toAbsolutePath().getParent();
      require(
          Files.isDirectory(dir) && Files.isWritable(dir),
          where + ": cannot write capture file '" + file + "': " + dir + " missing or read-only");
    }
  }

  private static void requireCapability(String where, String what, int cap, String name) {
    require(hasCapability(cap), where + ": " + what + " needs " + name + ": run as root");
  }

  /** From the effective set in /proc/self/status: root in a container may lack some. */
  static boolean hasCapability(int cap) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("CapEff:")) {
          long caps = Long.parseUnsignedLong(line.substring(7).trim(), 16);
          return (caps & (1L << cap)) != 0;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return true; // cannot tell: let DPDK try and say
    }
    return true;
  }

  /** Opens and closes an AF_XDP socket: the kernel says EAFNOSUPPORT when it has none. */
  private static boolean afXdpSupported() {
    try {
      MethodHandle socket = Libc.call("socket", Libc.SOCKET);
      int fd = (int) socket.invokeExact(AF_XDP, SOCK_RAW, 0);
      if (fd < 0) {
        return false;
      }
      Libc.close(fd);
      return true;
    } catch (Throwable t) {
      return true; // cannot tell: let DPDK try and say
    }
  }

  /** The kernel's index of interface {@code iface} in this namespace, or null when it has none. */
  static Integer ifindex(String iface) {
    try {
      return Integer.parseInt(
          Files.readString(Path.of("/sys/class/net", iface, "ifindex")).strip());
    } catch (IOException | NumberFormatException e) {
      return null;
    }
  }

  static String driver(String devargs) {
    int comma = devargs.indexOf(',');
    return comma < 0 ? devargs : devargs.substring(0, comma);
  }

  static Map<String, String> arguments(String devargs) {
    Map<String, String> args = new HashMap<>();
    String[] parts = devargs.split(",");
    for (int i = 1; i < parts.length; i++) {
      int eq = parts[i].indexOf('=');
      if (eq > 0) {
        args.put(parts[i].substring(0, eq), parts[i].substring(eq + 1));
      }
    }
    return args;
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new ConfigException(message);
    }
  }
}
