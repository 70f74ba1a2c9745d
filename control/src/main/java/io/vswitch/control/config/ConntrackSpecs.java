package io.vswitch.control.config;

import io.vswitch.dataplane.conntrack.ConntrackTable;
import io.vswitch.dataplane.conntrack.CtTimeouts;

/**
 * Turns the configured {@code conntrack} section into the table's settings, checking each value
 * with a one-line message. The validator and the launcher share it, so what validates is what runs.
 */
public final class ConntrackSpecs {
  private ConntrackSpecs() {}

  /** The per-state timeouts, the defaults where left out. */
  public static CtTimeouts timeouts(SwitchConfig.ConntrackTimeouts t) {
    CtTimeouts d = CtTimeouts.DEFAULTS;
    try {
      return new CtTimeouts(
          or(t.tcpSynSent(), d.synSent()),
          or(t.tcpSynRecv(), d.synRecv()),
          or(t.tcpEstablished(), d.established()),
          or(t.tcpFinWait(), d.finWait()),
          or(t.tcpCloseWait(), d.closeWait()),
          or(t.tcpLastAck(), d.lastAck()),
          or(t.tcpTimeWait(), d.timeWait()),
          or(t.tcpClose(), d.close()),
          or(t.udpUnreplied(), d.udpUnreplied()),
          or(t.udpReplied(), d.udpReplied()),
          or(t.icmp(), d.icmp()),
          or(t.generic(), d.generic()));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("conntrack.timeouts: every timeout must be 1 s .. 30 days");
    }
  }

  private static long or(Long value, long fallback) {
    return value == null ? fallback : value;
  }

  /** Checks the section whole (sizes, limits, timeouts). */
  public static void validate(SwitchConfig.Conntrack ct) {
    require(
        ct.capacity() >= 16 && ct.capacity() <= ConfigLimits.MAX_CONNECTIONS,
        "conntrack.capacity must be in 16.." + ConfigLimits.MAX_CONNECTIONS);
    require(
        ct.embryonic() >= 1 && ct.embryonic() <= ct.capacity(),
        "conntrack.embryonic must be in 1..conntrack.capacity (" + ct.capacity() + ")");
    Integer zone = ct.limits().zone();
    require(zone == null || zone >= 1, "conntrack.limits.zone must be at least 1");
    Integer port = ct.limits().port();
    require(port == null || port >= 1, "conntrack.limits.port must be at least 1");
    timeouts(ct.timeouts());
  }

  /** A table as configured: capacity, embryonic budget, timeouts, per-zone and per-port limits. */
  public static ConntrackTable table(SwitchConfig.Conntrack ct) {
    ConntrackTable table =
        new ConntrackTable(ct.capacity(), ct.embryonic(), timeouts(ct.timeouts()));
    apply(ct, table);
    return table;
  }

  /**
   * Sets what may change while the switch runs: timeouts and the per-zone and per-port limits (a
   * lowered limit refuses new connections only; existing ones stay). Control thread.
   */
  public static void apply(SwitchConfig.Conntrack ct, ConntrackTable table) {
    table.setTimeouts(timeouts(ct.timeouts()));
    Integer zone = ct.limits().zone();
    int zoneLimit = zone == null ? Integer.MAX_VALUE : zone;
    for (int z = 0; z < ConntrackTable.ZONES; z++) {
      table.setZoneLimit(z, zoneLimit);
    }
    Integer port = ct.limits().port();
    int portLimit = port == null ? Integer.MAX_VALUE : port;
    for (int p = 0; p < ConntrackTable.MAX_PORTS; p++) {
      table.setPortLimit(p, portLimit);
    }
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new ConfigException(message);
    }
  }
}
