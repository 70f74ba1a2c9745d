package io.vswitch.control.config;

import io.vswitch.dataplane.l2.L2Tables;
import io.vswitch.dataplane.l2.MacAddress;
import io.vswitch.dataplane.l2.team.Team;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Uplink teams ({@code teams:}): validation, with one line per refusal, and the few derived facts
 * the compiler and the team monitor share (a team's slot, its probe MAC and addresses).
 */
public final class TeamSpecs {
  private static final Set<String> POLICIES = Set.of("failover", "src-port", "src-mac");

  private TeamSpecs() {}

  /**
   * Checks the teams and returns the names the rest of the config may use where it names a port:
   * the ports that are no team member, and the teams (as ports of their port group).
   */
  static Map<String, SwitchConfig.Port> validate(
      SwitchConfig config,
      Map<String, SwitchConfig.Port> ports,
      Map<String, SwitchConfig.PortGroup> groups) {
    Map<String, SwitchConfig.Port> logical = new LinkedHashMap<>(ports);
    List<SwitchConfig.Team> teams = config.teams();
    require(
        teams.size() <= Team.MAX_TEAMS,
        teams.size() + " teams: at most " + Team.MAX_TEAMS + " are supported");
    Map<String, String> teamOf = new HashMap<>();
    for (SwitchConfig.Team t : teams) {
      Names.check("team", t.name());
      String where = "team '" + t.name() + "'";
      require(!ports.containsKey(t.name()), where + ": a port has that name");
      require(!logical.containsKey(t.name()), "team name '" + t.name() + "' is used twice");
      require(!t.members().isEmpty(), where + ": has no members");
      for (String m : t.members()) {
        SwitchConfig.Port port = ports.get(m);
        require(port != null, where + ": unknown member '" + m + "'; ports are " + ports.keySet());
        String other = teamOf.put(m, t.name());
        require(
            other == null,
            other != null && other.equals(t.name())
                ? where + ": member '" + m + "' is listed twice"
                : "port '" + m + "' is a member of teams '" + other + "' and '" + t.name() + "'");
        require(
            port.portGroup() == null && port.acl() == null && port.qos() == null,
            "port '"
                + m
                + "' is a member of "
                + where
                + ", which gives it its port group, ACLs and QoS: leave them out of the port");
      }
      require(
          POLICIES.contains(t.policy()),
          where + ": policy '" + t.policy() + "' is unknown: use failover, src-port or src-mac");
      require(!t.active().isEmpty(), where + ": needs at least one active member");
      Set<String> listed = new HashSet<>();
      for (String m : t.active()) {
        require(t.members().contains(m), where + ": active '" + m + "' is not a member");
        require(listed.add(m), where + ": '" + m + "' is listed twice in active/standby");
      }
      for (String m : t.standby()) {
        require(t.members().contains(m), where + ": standby '" + m + "' is not a member");
        require(listed.add(m), where + ": '" + m + "' is both active and standby");
      }
      for (String m : t.members()) {
        require(listed.contains(m), where + ": member '" + m + "' is neither active nor standby");
      }
      if (t.portGroup() != null) {
        require(
            groups.containsKey(t.portGroup()),
            where + ": unknown port group '" + t.portGroup() + "'");
      }
      validateDetection(t, where, groups);
      validateLacp(t, where);
      logical.put(t.name(), asPort(t));
    }
    teamOf.keySet().forEach(logical::remove);
    for (String member : teamOf.keySet()) {
      String team = "team '" + teamOf.get(member) + "'";
      for (SwitchConfig.StaticEntry e : config.fdb().entries()) {
        require(
            !member.equals(e.port()),
            "fdb static entry "
                + e.mac()
                + ": port '"
                + member
                + "' is a member of "
                + team
                + ": name the team");
      }
      for (SwitchConfig.Mirror m : config.mirrors()) {
        String mirror = "mirror '" + m.name() + "'";
        require(
            !m.sources().contains(member) && !member.equals(m.destination().port()),
            mirror + ": port '" + member + "' is a member of " + team + ": name the team");
        require(
            m.destination().erspan() == null || !member.equals(m.destination().erspan().via()),
            mirror + ": erspan via '" + member + "', a member of " + team + ": name the team");
      }
    }
    for (SwitchConfig.Mirror m : config.mirrors()) {
      for (SwitchConfig.Team t : teams) {
        require(
            !t.name().equals(m.destination().port()),
            "mirror '" + m.name() + "': destination '" + t.name() + "' is a team; use a port");
        require(
            m.destination().erspan() == null || !t.name().equals(m.destination().erspan().via()),
            "mirror '" + m.name() + "': erspan via '" + t.name() + "' is a team; use a port");
      }
    }
    return logical;
  }

  private static void validateDetection(
      SwitchConfig.Team t, String where, Map<String, SwitchConfig.PortGroup> groups) {
    switch (t.detection()) {
      case "link" ->
          require(t.probe() == null, where + ": a probe needs detection: arp (it is link)");
      case "arp" -> {
        SwitchConfig.Probe p = t.probe();
        require(p != null && p.target() != null, where + ": detection arp needs probe.target");
        ConfigValidator.ipv4(p.target(), where + ": probe.target");
        if (p.source() != null) {
          ConfigValidator.ipv4(p.source(), where + ": probe.source");
        }
        require(
            p.intervalMs() >= 10 && p.intervalMs() <= 10_000,
            where + ": probe.interval-ms must be in 10..10000");
        require(p.misses() >= 1 && p.misses() <= 100, where + ": probe.misses must be in 1..100");
        if (p.mac() != null) {
          long mac = MacAddress.parse(p.mac());
          require(!MacAddress.isMulticast(mac) && mac != 0, where + ": probe.mac must be unicast");
        }
        if (p.vlan() != null) {
          require(p.vlan() >= 1 && p.vlan() <= 4094, where + ": probe.vlan must be in 1..4094");
          SwitchConfig.Vlan vlan =
              t.portGroup() == null ? SwitchConfig.Vlan.DEFAULT : groups.get(t.portGroup()).vlan();
          require(
              ConfigValidator.carries(vlan, p.vlan()),
              where + ": probe.vlan " + p.vlan() + " is not a VLAN of the team");
        }
      }
      case "beacon" ->
          throw new ConfigException(
              where
                  + ": detection beacon is not supported (beacon probing needs 3+ uplinks in one"
                  + " broadcast domain); use arp");
      default ->
          throw new ConfigException(
              where + ": detection '" + t.detection() + "' is unknown: use link or arp");
    }
  }

  private static void validateLacp(SwitchConfig.Team t, String where) {
    SwitchConfig.Lacp l = t.lacp();
    if (l == null) {
      return;
    }
    require(
        !t.policy().equals("failover"),
        where + ": lacp balances over its members: policy src-mac or src-port, not failover");
    require(t.standby().isEmpty(), where + ": lacp aggregates every member: leave standby out");
    require(
        t.detection().equals("link"),
        where + ": lacp is its own detection (LACPDUs on each member): leave the probe out");
    require(
        l.mode().equals("active") || l.mode().equals("passive"),
        where + ": lacp.mode '" + l.mode() + "' is unknown: use active or passive");
    require(
        l.rate().equals("fast") || l.rate().equals("slow"),
        where + ": lacp.rate '" + l.rate() + "' is unknown: use fast or slow");
    require(
        l.systemPriority() >= 0 && l.systemPriority() <= 65535,
        where + ": lacp.system-priority must be in 0..65535");
    require(
        l.key() == null || (l.key() >= 1 && l.key() <= 65535),
        where + ": lacp.key must be in 1..65535");
    if (l.systemId() != null) {
      long mac;
      try {
        mac = MacAddress.parse(l.systemId());
      } catch (IllegalArgumentException e) {
        throw new ConfigException(where + ": lacp.system-id '" + l.systemId() + "' is no MAC");
      }
      require(!MacAddress.isMulticast(mac) && mac != 0, where + ": lacp.system-id must be unicast");
    }
  }

  /** The team as a port of its port group, for the checks that name ports. */
  private static SwitchConfig.Port asPort(SwitchConfig.Team t) {
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
        null,
        null,
        null,
        null);
  }

  /** Team number {@code ordinal}'s slot in the tables: the last ones, above every port's. */
  public static int slot(int ordinal) {
    return L2Tables.MAX_PORTS - 1 - ordinal;
  }

  /** Port slots the runtime may give to ports: the rest are the teams'. */
  public static final int PORT_SLOTS = L2Tables.MAX_PORTS - Team.MAX_TEAMS;

  /**
   * The MAC a team's probes come from: the configured one, else 02:76:73 (locally administered,
   * "vs") and three bytes of the name's hash, so two switches' teams of one name differ only if
   * named differently (set {@code probe.mac} where that matters).
   */
  public static long probeMac(SwitchConfig.Team t) {
    if (t.probe() != null && t.probe().mac() != null) {
      return MacAddress.parse(t.probe().mac());
    }
    return 0x0276_7300_0000L | (t.name().hashCode() & 0xFF_FFFFL);
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new ConfigException(message);
    }
  }
}
