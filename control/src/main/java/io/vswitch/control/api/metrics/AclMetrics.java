package io.vswitch.control.api.metrics;

import io.vswitch.control.L2Compiler;
import io.vswitch.control.config.SwitchConfig;
import io.vswitch.dataplane.conntrack.ConntrackTable;
import io.vswitch.dataplane.conntrack.CtClock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * ACL rule hits (per config rule: a security-group rule's compiled rules summed; see {@link
 * L2Compiler#hits}) and, when the switch tracks connections, the connection table: live connections
 * by zone and state, its capacity, and connections created. The by-state count walks the table's
 * index on the control agent (at 1M connections a few tens of milliseconds per scrape, nothing on
 * the fast path); the other two are counters the table keeps.
 */
public final class AclMetrics implements MetricSource {
  /** The states a listing shows: TCP's, then UDP/ICMP pseudo-connections'. */
  private static final List<String> STATES =
      List.of(
          "SYN_SENT",
          "SYN_RECV",
          "ESTABLISHED",
          "FIN_WAIT",
          "CLOSE_WAIT",
          "LAST_ACK",
          "TIME_WAIT",
          "CLOSE",
          "UNREPLIED",
          "REPLIED");

  private final Supplier<SwitchConfig> running;
  private final Supplier<ConntrackTable> conntrack;

  public AclMetrics(Supplier<SwitchConfig> running, Supplier<ConntrackTable> conntrack) {
    this.running = running;
    this.conntrack = conntrack;
  }

  @Override
  public void render(Exposition out) {
    out.family(MetricFamily.ACL_RULE_HITS);
    for (SwitchConfig.Acl acl : running.get().acls()) {
      L2Compiler.AclHits hits = L2Compiler.hits(acl);
      if (hits == null) {
        continue;
      }
      for (L2Compiler.RuleHits rule : hits.rules()) {
        out.sample(
            MetricFamily.ACL_RULE_HITS,
            rule.hits(),
            acl.name(),
            String.valueOf(rule.rule().priority()));
      }
      out.sample(MetricFamily.ACL_RULE_HITS, hits.defaults(), acl.name(), "default");
    }
    ConntrackTable table = conntrack.get();
    if (table == null) {
      return;
    }
    // Every state of each access (or native) VLAN of the config, zeros included, and of any other
    // zone that holds connections: bounded by the config, and a dashboard sees a zone go to 0.
    Map<Integer, long[]> byZone = new TreeMap<>();
    for (int zone : configuredZones(running.get())) {
      byZone.put(zone, new long[STATES.size()]);
    }
    table.forEach(
        CtClock.nowMillis(),
        -1,
        c -> {
          int state = STATES.indexOf(c.state);
          byZone
              .computeIfAbsent(c.zone, z -> new long[STATES.size()])[
              state < 0 ? STATES.size() - 1 : state]++;
        });
    out.family(MetricFamily.CONNTRACK_CONNECTIONS);
    for (Map.Entry<Integer, long[]> e : byZone.entrySet()) {
      for (int s = 0; s < STATES.size(); s++) {
        out.sample(
            MetricFamily.CONNTRACK_CONNECTIONS,
            e.getValue()[s],
            String.valueOf(e.getKey()),
            STATES.get(s));
      }
    }
    out.family(MetricFamily.CONNTRACK_MAX_CONNECTIONS)
        .sample(MetricFamily.CONNTRACK_MAX_CONNECTIONS, table.capacity());
    out.family(MetricFamily.CONNTRACK_NEW).sample(MetricFamily.CONNTRACK_NEW, table.created());
  }

  /** The VLANs untagged frames of the config's ports belong to: access ids, trunks' native ones. */
  private static Set<Integer> configuredZones(SwitchConfig config) {
    Set<Integer> zones = new TreeSet<>();
    Map<String, SwitchConfig.PortGroup> groups = new java.util.HashMap<>();
    config.portGroups().forEach(g -> groups.put(g.name(), g));
    for (SwitchConfig.Port port : config.ports()) {
      SwitchConfig.PortGroup g = port.portGroup() == null ? null : groups.get(port.portGroup());
      if (g == null) {
        zones.add(1);
      } else if (g.vlan().mode().equals("access")) {
        zones.add(g.vlan().id());
      } else if (g.vlan().nativeVlan() != null) {
        zones.add(g.vlan().nativeVlan());
      }
    }
    return zones;
  }
}
