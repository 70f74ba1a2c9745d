package io.vswitch.control.config;

import io.vswitch.dataplane.flow.FlowExport;
import io.vswitch.dataplane.flow.FlowSettings;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code ipfix} section: checked with one-line messages, and turned into the workers' flow
 * caches and settings. The validator, the launcher and the exporter share it, so what validates is
 * what runs.
 */
public final class IpfixSpecs {
  /** Collectors at most: every message goes to each. */
  public static final int MAX_COLLECTORS = 8;

  static final int MIN_CACHE = 1024;
  static final int MAX_CACHE = 1 << 24;
  static final int MAX_SECONDS = 86_400;

  private IpfixSpecs() {}

  /** Checks the section whole, and that no port has flow export on without it. */
  public static void validate(SwitchConfig config) {
    SwitchConfig.Ipfix ipfix = config.ipfix();
    if (ipfix == null) {
      for (SwitchConfig.Port port : config.ports()) {
        require(
            !config.exportsFlows(port),
            "port '"
                + port.name()
                + "': ipfix is on, but there is no ipfix section (collectors) to export to");
      }
      return;
    }
    require(!config.crossConnectMode(), "ipfix needs a switch (port-groups), not cross-connect");
    require(
        !ipfix.collectors().isEmpty() && ipfix.collectors().size() <= MAX_COLLECTORS,
        "ipfix.collectors: 1.." + MAX_COLLECTORS + " collectors ({address: IP, port: N})");
    Set<InetSocketAddress> seen = new HashSet<>();
    for (SwitchConfig.Collector c : ipfix.collectors()) {
      require(c != null, "ipfix.collectors: an empty entry");
      InetSocketAddress a = address(c);
      require(
          seen.add(a),
          "ipfix.collectors: " + Names.quote(c.address()) + " port " + c.port() + " twice");
    }
    seconds(ipfix.activeTimeout(), "ipfix.active-timeout");
    seconds(ipfix.idleTimeout(), "ipfix.idle-timeout");
    seconds(ipfix.templateRefresh(), "ipfix.template-refresh");
    require(
        ipfix.sampling() >= 1 && ipfix.sampling() <= 65_535,
        "ipfix.sampling must be in 1..65535 (1 in N packets; 1: every packet)");
    int size = ipfix.cacheSize();
    require(
        size >= MIN_CACHE && size <= MAX_CACHE && Integer.bitCount(size) == 1,
        "ipfix.cache-size must be a power of two in " + MIN_CACHE + ".." + MAX_CACHE);
    long domain = ipfix.observationDomain();
    require(
        domain >= 0 && domain <= 0xFFFF_FFFFL, "ipfix.observation-domain must be in 0..4294967295");
  }

  /** A collector's socket address; the address must be an IPv4 or IPv6 literal (no lookup). */
  public static InetSocketAddress address(SwitchConfig.Collector c) {
    require(c.address() != null, "ipfix.collectors: an entry without an address");
    InetAddress ip;
    try {
      ip = InetAddress.ofLiteral(c.address());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          "ipfix.collectors: "
              + Names.quote(c.address())
              + " is not an IPv4 or IPv6 address (no names: the switch does no DNS lookups)");
    }
    require(
        c.port() >= 1 && c.port() <= 65_535,
        "ipfix.collectors: port "
            + c.port()
            + " of "
            + Names.quote(c.address())
            + " is not in 1..65535");
    return new InetSocketAddress(ip, c.port());
  }

  public static List<InetSocketAddress> collectors(SwitchConfig.Ipfix ipfix) {
    return ipfix.collectors().stream().map(IpfixSpecs::address).toList();
  }

  private static void seconds(int value, String what) {
    require(
        value >= 1 && value <= MAX_SECONDS, what + " must be in 1.." + MAX_SECONDS + " seconds");
  }

  /** What the workers apply: timeouts in milliseconds and the sampling rate. */
  public static FlowSettings settings(SwitchConfig.Ipfix ipfix) {
    return new FlowSettings(
        ipfix.activeTimeout() * 1000L, ipfix.idleTimeout() * 1000L, ipfix.sampling());
  }

  /** The workers' caches, or null without an ipfix section. */
  public static FlowExport caches(SwitchConfig config) {
    SwitchConfig.Ipfix ipfix = config.ipfix();
    return ipfix == null
        ? null
        : new FlowExport(config.workers().cores().size(), ipfix.cacheSize(), settings(ipfix));
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new ConfigException(message);
    }
  }
}
