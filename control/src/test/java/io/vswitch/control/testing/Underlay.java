package io.vswitch.control.testing;

import java.util.List;

/**
 * Two hosts' uplinks joined by one veth pair (this kernel has no bridge module): the underlay of an
 * overlay test, IPv6 off so that only what the switches send crosses it. {@link #close()} deletes
 * the pair (both ends).
 */
public final class Underlay implements AutoCloseable {
  private final String a;
  private final String b;

  private Underlay(String a, String b) {
    this.a = a;
    this.b = b;
  }

  /** The pair {@code a} -- {@code b} (interface names of at most 15 bytes), both up. */
  public static Underlay create(String a, String b) {
    run("ip", "link", "add", a, "type", "veth", "peer", "name", b);
    Underlay u = new Underlay(a, b);
    for (String side : List.of(a, b)) {
      run("sysctl", "-qw", "net.ipv6.conf." + side + ".disable_ipv6=1");
      run("ip", "link", "set", side, "up");
    }
    return u;
  }

  public String a() {
    return a;
  }

  public String b() {
    return b;
  }

  static void run(String... command) {
    io.vswitch.control.testing.Commands.run(command);
  }

  @Override
  public void close() {
    try {
      run("ip", "link", "del", a);
    } catch (IllegalStateException e) {
      // gone already
    }
  }
}
