package io.vswitch.control.api;

import io.vswitch.control.config.ConfigException;
import io.vswitch.control.config.Names;
import io.vswitch.dataplane.conntrack.ConntrackTable;
import io.vswitch.dataplane.conntrack.CtClock;
import io.vswitch.dataplane.conntrack.CtEntryView;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * The connection table through the API (on the control agent, which owns the table's control
 * operations): {@code GET /v1/conntrack[/zones/Z][/ports/P]} lists live connections, {@code DELETE}
 * on the same paths flushes them. Zones are VLANs; a port is where the connection was created. A
 * listing stops at {@link #MAX_LISTED} entries and says so, since the table holds a million.
 */
final class ConntrackApi {
  static final int MAX_LISTED = 10_000;

  private final ConntrackTable table;
  private final ToIntFunction<String> portIndex;
  private final Map<Integer, String> portNames;

  /**
   * @param portIndex a port's index by name, or -1
   * @param portNames port names by index, for the listing
   */
  ConntrackApi(
      ConntrackTable table, ToIntFunction<String> portIndex, Map<Integer, String> portNames) {
    this.table = table;
    this.portIndex = portIndex;
    this.portNames = portNames;
  }

  /** Zone and port of a path's filter ({@code /v1/conntrack/zones/10/ports/vm1}, either, none). */
  record Filter(int zone, int port) {}

  Filter filter(String[] path) {
    int zone = -1;
    int port = -1;
    for (int i = 3; i < path.length; i += 2) {
      if (i + 1 >= path.length) {
        throw new ConfigException("a conntrack filter is /zones/VLAN or /ports/NAME");
      }
      switch (path[i]) {
        case "zones" -> {
          if (!path[i + 1].matches("[0-9]{1,4}") || Integer.parseInt(path[i + 1]) > 4094) {
            throw new ConfigException("a zone is a VLAN id, 0..4094, not '" + path[i + 1] + "'");
          }
          zone = Integer.parseInt(path[i + 1]);
        }
        case "ports" -> {
          String name = Names.check("port", path[i + 1]);
          port = portIndex.applyAsInt(name);
          if (port < 0) {
            throw new ConfigException("no port '" + name + "'");
          }
        }
        default -> throw new ConfigException("a conntrack filter is /zones/VLAN or /ports/NAME");
      }
    }
    return new Filter(zone, port);
  }

  /** The live connections that pass the filter, at most {@link #MAX_LISTED}. */
  Map<String, Object> list(Filter f) {
    List<Map<String, Object>> connections = new ArrayList<>();
    long[] total = new long[1];
    table.forEach(
        CtClock.nowMillis(),
        f.zone(),
        c -> {
          if (f.port() >= 0 && c.port != f.port()) {
            return;
          }
          total[0]++;
          if (connections.size() < MAX_LISTED) {
            connections.add(entry(c));
          }
        });
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("connections", connections);
    out.put("total", total[0]);
    out.put("truncated", total[0] > connections.size());
    return out;
  }

  private Map<String, Object> entry(CtEntryView c) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("zone", c.zone);
    e.put("protocol", protocol(c.protocol));
    e.put("src", c.address(c.srcHi, c.srcLo));
    e.put("src-port", c.srcPort);
    e.put("dst", c.address(c.dstHi, c.dstLo));
    e.put("dst-port", c.dstPort);
    e.put("state", c.state);
    e.put("port", portNames.getOrDefault(c.port, Integer.toString(c.port)));
    e.put("age", c.ageSeconds);
    e.put("expires-in", c.expiresInSeconds);
    e.put("packets", List.of(c.originalPackets, c.replyPackets));
    e.put("bytes", List.of(c.originalBytes, c.replyBytes));
    return e;
  }

  private static String protocol(int p) {
    return switch (p) {
      case 6 -> "tcp";
      case 17 -> "udp";
      case 1 -> "icmp";
      case 58 -> "icmp6";
      default -> Integer.toString(p);
    };
  }

  /** Flushes the connections that pass the filter; returns how many. */
  Map<String, Object> flush(Filter f) {
    return Map.of("flushed", table.flushWhere(f.zone(), f.port()));
  }
}
