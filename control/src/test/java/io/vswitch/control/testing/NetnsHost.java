package io.vswitch.control.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A test host: a network namespace with one end of a veth pair (addressed, up), whose other end
 * stays in the root namespace for the switch to open. Everything is removed on close.
 */
public final class NetnsHost implements AutoCloseable {
  private final String namespace;
  private final String switchSide;
  private final String address;

  private NetnsHost(String namespace, String switchSide, String address) {
    this.namespace = namespace;
    this.switchSide = switchSide;
    this.address = address;
  }

  /**
   * Creates host {@code tag} (a short unique string) with IPv4 {@code cidr} on its interface; the
   * switch's side of the link is {@link #switchInterface()}.
   */
  public static NetnsHost create(String tag, String cidr) {
    String ns = "vsw-" + tag;
    String hostSide = "vh" + tag;
    String switchSide = "vs" + tag;
    NetnsHost host = new NetnsHost(ns, switchSide, cidr.split("/")[0]);
    try {
      run("ip", "netns", "add", ns);
      run("ip", "link", "add", hostSide, "type", "veth", "peer", "name", switchSide);
      run("ip", "link", "set", hostSide, "netns", ns);
      run("ip", "-n", ns, "addr", "add", cidr, "dev", hostSide);
      run("ip", "-n", ns, "link", "set", hostSide, "up");
      run("ip", "-n", ns, "link", "set", "lo", "up");
      // Keep the switch's side quiet: no IPv6 router solicitations or DAD in the captures.
      run("sysctl", "-qw", "net.ipv6.conf." + switchSide + ".disable_ipv6=1");
      run("ip", "link", "set", switchSide, "up");
      return host;
    } catch (RuntimeException e) {
      host.close();
      throw e;
    }
  }

  public String switchInterface() {
    return switchSide;
  }

  public String address() {
    return address;
  }

  /** Runs a command inside the namespace; returns its exit code. */
  public int exec(String... command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
    full.addAll(List.of(command));
    return exitCode(full);
  }

  /** True when {@code count} pings to {@code target} all come back. */
  public boolean ping(String target, int count) {
    return exec("ping", "-c", "" + count, "-i", "0.2", "-W", "1", "-q", target) == 0;
  }

  @Override
  public void close() {
    exitCode(List.of("ip", "netns", "del", namespace)); // takes the veth pair with it
    exitCode(List.of("ip", "link", "del", switchSide));
  }

  /** Whether this machine lets us make namespaces (root with iproute2). */
  public static boolean available() {
    return "root".equals(System.getProperty("user.name"))
        && exitCode(List.of("ip", "netns", "list")) == 0;
  }

  static void run(String... command) {
    int code = exitCode(List.of(command));
    if (code != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed with exit " + code);
    }
  }

  static int exitCode(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return -1;
      }
      if (p.exitValue() != 0 && System.getenv("VSWITCH_TEST_VERBOSE") != null) {
        System.err.println(
            String.join(" ", command) + ": " + new String(out, StandardCharsets.UTF_8));
      }
      return p.exitValue();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}
