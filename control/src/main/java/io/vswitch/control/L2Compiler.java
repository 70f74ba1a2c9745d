package io.vswitch.control;

import io.vswitch.control.config.AclRules;
import io.vswitch.control.config.ConfigValidator;
import io.vswitch.control.config.Overlay;
import io.vswitch.control.config.OverlaySpecs;
import io.vswitch.control.config.QosSpecs;
import io.vswitch.control.config.RemoteFacts;
import io.vswitch.control.config.SecurityGroups;
import io.vswitch.control.config.SwitchConfig;
import io.vswitch.control.config.TeamSpecs;
import io.vswitch.dataplane.acl.Acl;
import io.vswitch.dataplane.l2.L2Tables;
import io.vswitch.dataplane.l2.MacAddress;
import io.vswitch.dataplane.l2.PortPolicy;
import io.vswitch.dataplane.l2.mirror.ErspanTunnel;
import io.vswitch.dataplane.l2.mirror.MirrorSession;
import io.vswitch.dataplane.l2.overlay.VtepNeighbors;
import io.vswitch.dataplane.l2.overlay.VxlanOverlay;
import io.vswitch.dataplane.l2.overlay.VxlanTunnel;
import io.vswitch.dataplane.l2.tap.Taps;
import io.vswitch.dataplane.l2.team.Team;
import io.vswitch.dataplane.qos.PolicerSpec;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles the validated config into the immutable tables the workers switch by: each port's VLAN
 * mode and security policy from its port group. The control plane never writes data-plane state
 * directly; it builds a new {@link L2Tables} and publishes it.
 */
public final class L2Compiler {
  private static final SwitchConfig.PortGroup DEFAULT_GROUP =
      new SwitchConfig.PortGroup("default", null, null, null, null, null);

  private static final SwitchConfig.AclBinding NO_ACL = new SwitchConfig.AclBinding(null, null);
  private static final SwitchConfig.Qos NO_QOS = new SwitchConfig.Qos(null, null, null);

  private record CompiledKey(
      SwitchConfig.Acl acl, int workers, Map<String, List<String>> groupPrefixes) {}

  /** The ACLs of the last compile; the control thread compiles, one at a time. */
  private static volatile Map<CompiledKey, Acl> lastCompiled = Map.of();

  /** The last compile's ACLs by name, for their hit counters, and their configs. */
  private static volatile Map<String, Acl> lastByName = Map.of();

  private static volatile Map<String, SwitchConfig.Acl> lastConfigs = Map.of();

  /**
   * Hits of rules whose compiled ACL was replaced (a rule added elsewhere in it, a member joined
   * one of its groups), per ACL name and config rule (or {@code "default"}): a rule that is the
   * same after a change keeps counting from where it was, as NSX's rule statistics do.
   */
  private static volatile Map<String, Map<Object, Long>> carried = Map.of();

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
    return compile(config, RemoteFacts.NONE, indexOf, slots);
  }

  /**
   * As {@link #compile(SwitchConfig, Map, int)}, with what the distributed switch's other hosts
   * published: their ports in the security groups, their VTEPs as tunnel ports.
   */
  public static L2Tables compile(
      SwitchConfig config, RemoteFacts remote, Map<String, Integer> indexOf, int slots) {
    Map<String, SwitchConfig.PortGroup> groups = new HashMap<>();
    config.portGroups().forEach(g -> groups.put(g.name(), g));
    int workers = config.workers().cores().size();
    SecurityGroups securityGroups = SecurityGroups.resolve(config, remote);
    Map<String, Acl> acls = new HashMap<>();
    Map<CompiledKey, Acl> compiled = new HashMap<>();
    Map<String, Map<Object, Long>> carry = new HashMap<>();
    for (SwitchConfig.Acl acl : config.acls()) {
      // One per name (ports share it and its counters); an ACL whose config and groups' addresses
      // did not change since the last compile is reused, so a republish keeps its hit counts and
      // skips the tree build.
      CompiledKey key =
          new CompiledKey(acl, workers, securityGroups.prefixesOf(AclRules.groupsOf(acl)));
      Acl built = lastCompiled.get(key);
      Map<Object, Long> kept = new HashMap<>(carried.getOrDefault(acl.name(), Map.of()));
      if (built == null) {
        built = AclRules.compile(acl, workers, securityGroups);
        Acl before = lastByName.get(acl.name());
        SwitchConfig.Acl beforeConfig = lastConfigs.get(acl.name());
        if (before != null && beforeConfig != null) {
          for (SwitchConfig.Rule rule : acl.rules()) {
            if (beforeConfig.rules().contains(rule)) { // the same rule: its count goes on
              kept.merge(rule, before.hitsOfPriority(rule.priority()), Long::sum);
            }
          }
          if (acl.defaultAction().equals(beforeConfig.defaultAction())) {
            kept.merge(
                DEFAULT + acl.defaultAction(), before.hits(before.rules().size()), Long::sum);
          }
        }
        Set<Object> live = new HashSet<>(acl.rules());
        live.add(DEFAULT + acl.defaultAction());
        kept.keySet().retainAll(live);
      }
      carry.put(acl.name(), kept);
      compiled.put(key, built);
      acls.put(acl.name(), built);
    }
    lastCompiled = compiled;
    lastByName = Map.copyOf(acls);
    Map<String, SwitchConfig.Acl> configs = new HashMap<>();
    config.acls().forEach(a -> configs.put(a.name(), a));
    lastConfigs = configs;
    carried = carry;
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
        policies[index] = policy(index, port, group, acls, workers, exports(config, port));
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
      policies[slot] = policy(slot, teamPort(config, t), group, acls, workers, false);
      teams.add(team(t, n, slot, indexOf));
    }
    return new L2Tables(
        policies,
        mirrors(config, withTeams),
        Taps.NONE,
        overlay(config, remote, indexOf, policies, teams),
        teams);
  }

  /**
   * The overlay over the tunnel ports that have a slot: each an access port on its segment's VLAN
   * that learns (remote MACs against their VTEP), accepts any source (the remote VMs'), and carries
   * the uplink's MTU less the 50 bytes of encapsulation.
   */
  private static VxlanOverlay overlay(
      SwitchConfig config,
      RemoteFacts remote,
      Map<String, Integer> indexOf,
      PortPolicy[] policies,
      List<Team> teams) {
    Overlay o = config.overlay();
    if (o == null) {
      return VxlanOverlay.NONE;
    }
    VtepNeighbors neighbors = OverlaySpecs.neighbors(o);
    int localIp = OverlaySpecs.localIp(o);
    long localMac = OverlaySpecs.localMac(o);
    int mtu = OverlaySpecs.tunnelMtu(config);
    List<VxlanTunnel> tunnels = new ArrayList<>();
    List<Integer> ports = new ArrayList<>();
    for (OverlaySpecs.Tunnel t : OverlaySpecs.tunnels(config, remote)) {
      Integer index = indexOf.get(t.name());
      if (index == null) {
        continue;
      }
      policies[index] =
          PortPolicy.access(index, t.vlan())
              .learning(true)
              .forgedTransmits(true)
              .macChanges(true)
              .mtu(mtu)
              .build();
      tunnels.add(tunnel(o, t, localIp, localMac));
      ports.add(index);
    }
    // The VTEP's port, or its team (whose members' bursts run the team's features).
    Integer uplink = slotOf(config, o.vtep().port(), indexOf);
    Team team = null;
    for (Team t : teams) {
      team = t.name.equals(o.vtep().port()) ? t : team;
    }
    return new VxlanOverlay(
        uplink == null ? -1 : uplink,
        localIp,
        localMac,
        o.udpPort(),
        o.genevePort(),
        neighbors,
        tunnels,
        ports.stream().mapToInt(Integer::intValue).toArray(),
        team);
  }

  /** The encapsulation of one tunnel port. */
  public static VxlanTunnel tunnel(Overlay o, OverlaySpecs.Tunnel t, int localIp, long localMac) {
    return new VxlanTunnel(
        t.vni(),
        localIp,
        t.remote(),
        localMac,
        o.ttl(),
        t.geneve() ? o.genevePort() : o.udpPort(),
        t.hop(),
        t.geneve());
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
        mtu,
        null,
        null,
        null);
  }

  private static Team team(
      SwitchConfig.Team t, int ordinal, int slot, Map<String, Integer> indexOf) {
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
        t.notifySwitches(),
        lacp(t.lacp(), ordinal));
  }

  private static Team.Lacp lacp(SwitchConfig.Lacp l, int ordinal) {
    if (l == null) {
      return null;
    }
    return new Team.Lacp(
        l.mode().equals("active"),
        l.rate().equals("fast"),
        l.systemPriority(),
        l.systemId() == null ? 0 : MacAddress.parse(l.systemId()),
        l.key() == null ? ordinal + 1 : l.key());
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
      int workers,
      boolean flowExport) {
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
        .flowExport(flowExport)
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

  private static final String DEFAULT = "default ";

  /** One config rule's hits: the packets its compiled rules decided, since it was last changed. */
  public record RuleHits(SwitchConfig.Rule rule, int compiled, long hits) {}

  /** An ACL's hits per config rule and for its default; null if it was never compiled. */
  public record AclHits(String name, String defaultAction, List<RuleHits> rules, long defaults) {}

  /** The hit counters of {@code acl} as the last compile published it (on the control thread). */
  public static AclHits hits(SwitchConfig.Acl acl) {
    Acl now = lastByName.get(acl.name());
    if (now == null) {
      return null;
    }
    Map<Object, Long> kept = carried.getOrDefault(acl.name(), Map.of());
    List<RuleHits> rules = new ArrayList<>();
    for (SwitchConfig.Rule rule : acl.rules()) {
      int compiled = 0;
      for (var r : now.rules()) {
        compiled += r.priority() == rule.priority() ? 1 : 0;
      }
      rules.add(
          new RuleHits(
              rule, compiled, kept.getOrDefault(rule, 0L) + now.hitsOfPriority(rule.priority())));
    }
    long defaults =
        kept.getOrDefault(DEFAULT + acl.defaultAction(), 0L) + now.hits(now.rules().size());
    return new AclHits(acl.name(), acl.defaultAction(), rules, defaults);
  }

  /** Flow export on for the port, and a switch with flow caches (an ipfix section). */
  private static boolean exports(SwitchConfig config, SwitchConfig.Port port) {
    return config.ipfix() != null && config.exportsFlows(port);
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
