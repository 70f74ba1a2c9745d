package io.vswitch.control;

import io.vswitch.control.config.AclRules;
import io.vswitch.control.config.ConfigValidator;
import io.vswitch.control.config.QosSpecs;
import io.vswitch.control.config.SwitchConfig;
import io.vswitch.control.config.TeamSpecs;
import io.vswitch.dataplane.acl.Acl;
import io.vswitch.dataplane.l2.ErspanTunnel;
import io.vswitch.dataplane.l2.L2Tables;
import io.vswitch.dataplane.l2.MacAddress;
import io.vswitch.dataplane.l2.MirrorSession;
import io.vswitch.dataplane.l2.PortPolicy;
import io.vswitch.dataplane.l2.Taps;
import io.vswitch.dataplane.l2.Team;
import io.vswitch.dataplane.qos.PolicerSpec;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Compiles the validated config into the immutable tables the workers switch by: each port's VLAN
 * mode and security policy from its port group. The control plane never writes data-plane state
 * directly; it builds a new {@link L2Tables} and publishes it.
 */
public final class L2Compiler {
  private static final SwitchConfig.PortGroup DEFAULT_GROUP =
      new SwitchConfig.PortGroup("default", null, null, null, null);

  private static final SwitchConfig.AclBinding NO_ACL = new SwitchConfig.AclBinding(null, null);
  private static final SwitchConfig.Qos NO_QOS = new SwitchConfig.Qos(null, null, null);

  private record CompiledKey(SwitchConfig.Acl acl, int workers) {}

  /** The ACLs of the last compile; the control thread compiles, one at a time. */
  private static volatile Map<CompiledKey, Acl> lastCompiled = Map.of();

  private L2Compiler() {}

  /** Tables for a switch whose ports sit in config order (at start). */
  static L2Tables compile(SwitchConfig config) {
    Map<String, Integer> positions = new HashMap<>();
    for (int i = 0; i < config.ports().size(); i++) {
      positions.put(config.ports().get(i).name(), i);
    }
    return compile(config, positions, config.ports().size());
  }

  /**
   * Tables for a running switch: {@code indexOf} gives each port's slot; a configured port with no
   * slot (not opened yet, or on its way out) gets no policy, so nothing is sent to it.
   */
  public static L2Tables compile(SwitchConfig config, Map<String, Integer> indexOf, int slots) {
    Map<String, SwitchConfig.PortGroup> groups = new HashMap<>();
    config.portGroups().forEach(g -> groups.put(g.name(), g));
    int workers = config.workers().cores().size();
    Map<String, Acl> acls = new HashMap<>();
    Map<CompiledKey, Acl> compiled = new HashMap<>();
    for (SwitchConfig.Acl acl : config.acls()) {
      // One per name (ports share it and its counters); an ACL whose config did not change since
      // the last compile is reused, so a republish keeps its hit counts and skips the tree build.
      CompiledKey key = new CompiledKey(acl, workers);
      Acl built = lastCompiled.get(key);
      compiled.put(key, built != null ? built : AclRules.compile(acl, workers));
      acls.put(acl.name(), compiled.get(key));
    }
    lastCompiled = compiled;
    PortPolicy[] policies = new PortPolicy[config.teams().isEmpty() ? slots : L2Tables.MAX_PORTS];
    Map<String, SwitchConfig.PortGroup> memberGroup = new HashMap<>();
    for (SwitchConfig.Team t : config.teams()) {
      SwitchConfig.PortGroup group =
          t.portGroup() == null ? DEFAULT_GROUP : groups.get(t.portGroup());
      t.members().forEach(m -> memberGroup.put(m, group));
    }
    for (SwitchConfig.Port port : config.ports()) {
      Integer index = indexOf.get(port.name());
      if (index != null) {
        SwitchConfig.PortGroup group =
            memberGroup.containsKey(port.name())
                ? memberGroup.get(port.name()) // a member: the team's (its MTU its own)
                : port.portGroup() == null ? DEFAULT_GROUP : groups.get(port.portGroup());
        policies[index] = policy(index, port, group, acls, workers);
      }
    }
    Map<String, Integer> withTeams = new HashMap<>(indexOf);
    List<Team> teams = new ArrayList<>();
    for (int n = 0; n < config.teams().size(); n++) {
      SwitchConfig.Team t = config.teams().get(n);
      int slot = TeamSpecs.slot(n);
      withTeams.put(t.name(), slot);
      SwitchConfig.PortGroup group =
          t.portGroup() == null ? DEFAULT_GROUP : groups.get(t.portGroup());
      policies[slot] = policy(slot, teamPort(config, t), group, acls, workers);
      teams.add(team(t, slot, indexOf));
    }
    return new L2Tables(policies, mirrors(config, withTeams), Taps.NONE, teams);
  }

  /** The slot of port or team {@code name}, given the ports' slots; null when it has none. */
  public static Integer slotOf(SwitchConfig config, String name, Map<String, Integer> indexOf) {
    for (int n = 0; n < config.teams().size(); n++) {
      if (config.teams().get(n).name().equals(name)) {
        return TeamSpecs.slot(n);
      }
    }
    return indexOf.get(name);
  }

  /** A team as the port its policy is made from: the smallest MTU of its members. */
  private static SwitchConfig.Port teamPort(SwitchConfig config, SwitchConfig.Team t) {
    int mtu =
        config.ports().stream()
            .filter(p -> t.members().contains(p.name()))
            .mapToInt(SwitchConfig.Port::mtuOrDefault)
            .min()
            .orElse(1500);
    return new SwitchConfig.Port(
        t.name(),
        null,
        t.portGroup(),
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        mtu);
  }

  private static Team team(SwitchConfig.Team t, int slot, Map<String, Integer> indexOf) {
    List<String> order = new ArrayList<>(t.active());
    order.addAll(t.standby());
    int[] slots = new int[order.size()];
    for (int m = 0; m < slots.length; m++) {
      Integer index = indexOf.get(order.get(m));
      slots[m] = index == null ? -1 : index;
    }
    Team.Policy policy =
        switch (t.policy()) {
          case "src-port" -> Team.Policy.SRC_PORT;
          case "src-mac" -> Team.Policy.SRC_MAC;
          default -> Team.Policy.FAILOVER;
        };
    boolean arp = t.detection().equals("arp");
    return new Team(
        t.name(),
        slot,
        policy,
        order.toArray(String[]::new),
        slots,
        t.active().size(),
        t.failback(),
        arp ? probe(t) : null,
        t.notifySwitches());
  }

  private static Team.Probe probe(SwitchConfig.Team t) {
    SwitchConfig.Probe p = t.probe();
    return new Team.Probe(
        TeamSpecs.probeMac(t),
        ConfigValidator.ipv4(p.target(), "probe.target"),
        p.source() == null ? 0 : ConfigValidator.ipv4(p.source(), "probe.source"),
        p.vlan() == null ? -1 : p.vlan(),
        p.intervalMs(),
        p.misses());
  }

  /**
   * The mirroring sessions over the ports that have a slot: a source without one is left out, and a
   * session whose destination port has none sends nowhere until it has.
   */
  private static List<MirrorSession> mirrors(SwitchConfig config, Map<String, Integer> indexOf) {
    List<MirrorSession> sessions = new ArrayList<>();
    for (SwitchConfig.Mirror m : config.mirrors()) {
      long sources = 0;
      for (String source : m.sources()) {
        Integer index = indexOf.get(source);
        sources |= index == null ? 0 : 1L << index;
      }
      long in = m.direction().equals("out") ? 0 : sources;
      long out = m.direction().equals("in") ? 0 : sources;
      BitSet vlans = new BitSet();
      m.vlans().forEach(vlans::set);
      int truncate = m.truncate() == null ? MirrorSession.WHOLE_FRAME : m.truncate();
      SwitchConfig.MirrorDestination d = m.destination();
      if (d.erspan() != null) {
        SwitchConfig.Erspan e = d.erspan();
        Integer via = indexOf.get(e.via());
        if (via != null) {
          ErspanTunnel tunnel =
              new ErspanTunnel(
                  MacAddress.parse(e.srcMac()),
                  MacAddress.parse(e.dstMac()),
                  ConfigValidator.ipv4(e.srcIp(), "erspan.src-ip"),
                  ConfigValidator.ipv4(e.dstIp(), "erspan.dst-ip"),
                  e.sessionId());
          sessions.add(MirrorSession.erspan(m.name(), in, out, via, tunnel, vlans, truncate));
        }
      } else if (d.vlan() != null) {
        sessions.add(MirrorSession.remote(m.name(), in, out, d.vlan(), vlans, truncate));
      } else {
        Integer index = indexOf.get(d.port());
        if (index != null) {
          sessions.add(MirrorSession.local(m.name(), in, out, index, vlans, truncate));
        }
      }
    }
    return sessions;
  }

  private static PortPolicy policy(
      int index,
      SwitchConfig.Port port,
      SwitchConfig.PortGroup g,
      Map<String, Acl> acls,
      int workers) {
    SwitchConfig.Vlan vlan = g.vlan();
    PortPolicy.Builder b;
    if (vlan.mode().equals("access")) {
      b = PortPolicy.access(index, vlan.id());
    } else {
      b = PortPolicy.trunk(index, vlan.allowed().stream().mapToInt(Integer::intValue).toArray());
      if (vlan.nativeVlan() != null) {
        b.nativeVlan(vlan.nativeVlan(), vlan.nativeTagged());
      }
    }
    SwitchConfig.Security s = g.security();
    SwitchConfig.AclBinding binding =
        port.acl() != null ? port.acl() : g.acl() != null ? g.acl() : NO_ACL;
    SwitchConfig.Qos qos = port.qos() != null ? port.qos() : g.qos() != null ? g.qos() : NO_QOS;
    SwitchConfig.Mark mark = qos.mark();
    String where = "port '" + port.name() + "'";
    return b.mac(port.mac() == null ? MacAddress.NONE : MacAddress.parse(port.mac()))
        .promiscuous(s.promiscuous().equals("accept"))
        .macChanges(s.macChanges().equals("accept"))
        .forgedTransmits(s.forgedTransmits().equals("accept"))
        .learning(port.learning())
        .mtu(port.mtuOrDefault())
        .macLimit(s.macLimit())
        .forwardBpdu(s.forwardBpdu())
        .acls(acl(binding.ingress(), acls), acl(binding.egress(), acls))
        .policer(policer(qos, port))
        .shaper(
            qos.egressShaper() == null
                ? null
                : QosSpecs.shaper(qos.egressShaper(), where).share(workers))
        .mark(
            mark == null || mark.pcp() == null ? -1 : mark.pcp(),
            mark == null || mark.dscp() == null ? -1 : mark.dscp())
        .build();
  }

  private static Acl acl(String name, Map<String, Acl> acls) {
    return name == null ? null : acls.get(name);
  }

  /**
   * A policer shared by several workers: each receive queue of the port gets its own instance with
   * rate / rx-queues (and burst / rx-queues), rather than one bucket updated atomically by every
   * worker. No cache line bounces between cores and no CAS loop on the fast path; the price is that
   * the port's rate is enforced per queue, so it is exact when RSS spreads the traffic evenly and
   * conservative (lower) when one queue carries it all. Likewise the egress shaper: rate / workers.
   */
  private static PolicerSpec policer(SwitchConfig.Qos qos, SwitchConfig.Port port) {
    if (qos.ingressPolicer() == null) {
      return null;
    }
    return QosSpecs.policer(qos.ingressPolicer(), "port '" + port.name() + "'")
        .share(port.rxQueues());
  }
}
