package io.vswitch.control.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.L2Compiler;
import io.vswitch.control.plane.ConfigJson;
import io.vswitch.dataplane.l2.Feature;
import io.vswitch.dataplane.l2.L2Tables;
import io.vswitch.dataplane.l2.team.Team;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The teams section: defaults, refusals (one line each, by name), and what it compiles to. */
class TeamConfigTest {
  private static final String SWITCH =
      """
      port-groups:
        - {name: web, vlan: {mode: access, id: 10}}
        - {name: up, vlan: {mode: trunk, allowed: [10, 20]}}
      ports:
        - {name: vm1, devargs: net_null0, port-group: web}
        - {name: vm2, devargs: net_null1, port-group: web}
        - {name: nic0, devargs: net_null2, mtu: 9000}
        - {name: nic1, devargs: net_null3}
        - {name: nic2, devargs: net_null4}
      """;

  private static SwitchConfig valid(String rest) {
    return ConfigValidator.validate(ConfigLoader.parse(SWITCH + rest, "test.yaml"));
  }

  private static String refused(String rest) {
    ConfigException e = assertThrows(ConfigException.class, () -> valid(rest));
    assertEquals(-1, e.getMessage().indexOf('\n'), "one line: " + e.getMessage());
    return e.getMessage();
  }

  @Test
  void failoverDefaultsToTheFirstMemberActiveTheRestStandbyAndLinkDetection() {
    SwitchConfig c = valid("teams: [{name: uplink, members: [nic0, nic1], port-group: up}]\n");
    SwitchConfig.Team t = c.teams().get(0);
    assertEquals("failover", t.policy());
    assertEquals(List.of("nic0"), t.active());
    assertEquals(List.of("nic1"), t.standby());
    assertTrue(t.failback());
    assertEquals("link", t.detection());
    assertEquals(c, ConfigJson.read(ConfigJson.write(c), "journal"), "journal round trip");
    SwitchConfig lb =
        valid(
            """
            teams:
              - {name: uplink, members: [nic0, nic1], port-group: up, policy: src-mac,
                 probe: {target: 10.0.0.254}}
            """);
    assertEquals(List.of("nic0", "nic1"), lb.teams().get(0).active());
    assertEquals("arp", lb.teams().get(0).detection(), "a probe means arp detection");
    assertEquals(100, lb.teams().get(0).probe().intervalMs());
    assertEquals(3, lb.teams().get(0).probe().misses());
  }

  @Test
  void theTeamIsOnePortOfTheTablesAndItsMembersAreInNoVlan() {
    SwitchConfig c =
        valid(
            """
            teams: [{name: uplink, members: [nic0, nic1], port-group: up, active: [nic1]}]
            fdb: {static: [{mac: "02:00:00:00:00:99", vlan: 20, port: uplink}]}
            mirrors: [{name: m, sources: [uplink], destination: vm2}]
            """);
    L2Tables t =
        L2Compiler.compile(
            c, java.util.Map.of("vm1", 0, "vm2", 1, "nic0", 2, "nic1", 3, "nic2", 4), 60);
    int slot = TeamSpecs.slot(0);
    assertEquals(63, slot);
    Team team = t.teams().get(0);
    assertEquals(slot, team.index);
    assertEquals("nic1", team.memberName(0), "active first");
    assertEquals(3, team.slot(0));
    assertEquals(2, team.slot(1));
    assertEquals(3, team.carrierOf(0));
    assertEquals(1L << slot, t.memberMask(20));
    assertEquals((1L << slot) | 1L, t.memberMask(10), "vm1 and the team (vm2 is a destination)");
    assertTrue(Arrays.asList(t.features(slot)).contains(Feature.TEAM_RX));
    assertTrue(Arrays.asList(t.features(0)).contains(Feature.TEAM_TX));
    assertEquals(t.port(slot), t.ingress(2));
    assertEquals((1L << 2) | (1L << 3) | (1L << slot), t.mirroredEgress(), "out of a member");
    assertEquals(slot, L2Compiler.slotOf(c, "uplink", java.util.Map.of()));
  }

  @Test
  void removingAMemberTakesItOutOfItsTeamAndTheLastOneIsRefused() {
    SwitchConfig c =
        valid("teams: [{name: uplink, members: [nic0, nic1], port-group: up, active: [nic0]}]\n");
    SwitchConfig one =
        ConfigValidator.validate(io.vswitch.control.plane.ConfigEdits.withoutPort(c, "nic1"));
    assertEquals(List.of("nic0"), one.teams().get(0).members());
    assertEquals(List.of(), one.teams().get(0).standby());
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () ->
                ConfigValidator.validate(
                    io.vswitch.control.plane.ConfigEdits.withoutPort(one, "nic0")));
    assertTrue(e.getMessage().contains("has no members"), e.getMessage());
  }

  @Test
  void refusalsNameWhatIsWrong() {
    assertTrue(refused("teams: [{name: t, members: []}]\n").contains("team 't': has no members"));
    assertTrue(refused("teams: [{name: t, members: [nicx]}]\n").contains("unknown member 'nicx'"));
    assertTrue(
        refused("teams: [{name: t, members: [nic0, nic0]}]\n")
            .contains("member 'nic0' is listed twice"));
    assertTrue(
        refused("teams: [{name: a, members: [nic0, nic1]}, {name: b, members: [nic1, nic2]}]\n")
            .contains("port 'nic1' is a member of teams 'a' and 'b'"));
    assertTrue(
        refused("teams: [{name: t, members: [vm1, nic0]}]\n")
            .contains("port 'vm1' is a member of team 't', which gives it its port group"));
    assertTrue(refused("teams: [{name: vm1, members: [nic0]}]\n").contains("a port has that name"));
    assertTrue(
        refused(
                "teams: [{name: t, members: [nic0]}]\n"
                    + "fdb: {static: [{mac: \"02:00:00:00:00:99\", vlan: 1, port: nic0}]}\n")
            .contains("port 'nic0' is a member of team 't': name the team"));
    assertTrue(
        refused(
                "teams: [{name: t, members: [nic0]}]\n"
                    + "mirrors: [{name: m, sources: [nic0], destination: vm1}]\n")
            .contains("port 'nic0' is a member of team 't': name the team"));
    assertTrue(
        refused(
                "teams: [{name: t, members: [nic0]}]\n"
                    + "mirrors: [{name: m, sources: [vm1], destination: t}]\n")
            .contains("destination 't' is a team"));
    assertTrue(
        refused("teams: [{name: t, members: [nic0], policy: lacp}]\n")
            .contains("policy 'lacp' is unknown"));
    assertTrue(
        refused("teams: [{name: t, members: [nic0, nic1], active: [nic2]}]\n")
            .contains("active 'nic2' is not a member"));
    assertTrue(
        refused("teams: [{name: t, members: [nic0, nic1], active: [nic0], standby: [nic0]}]\n")
            .contains("'nic0' is both active and standby"));
    assertTrue(
        refused(
                "teams: [{name: t, members: [nic0, nic1, nic2], active: [nic0], standby: [nic1]}]\n")
            .contains("member 'nic2' is neither active nor standby"));
    assertTrue(
        refused("teams: [{name: t, members: [nic0], detection: beacon}]\n")
            .contains("detection beacon is not supported"));
    assertTrue(
        refused("teams: [{name: t, members: [nic0], detection: arp}]\n")
            .contains("detection arp needs probe.target"));
    assertTrue(
        refused("teams: [{name: t, members: [nic0], probe: {target: 10.0.0.300}}]\n")
            .contains("probe.target"));
    assertTrue(
        refused("teams: [{name: t, members: [nic0], probe: {target: 10.0.0.1, interval-ms: 1}}]\n")
            .contains("probe.interval-ms must be in 10..10000"));
    assertTrue(
        refused(
                "teams: [{name: t, members: [nic0], port-group: up, probe: {target: 10.0.0.1, vlan: 30}}]\n")
            .contains("probe.vlan 30 is not a VLAN of the team"));
    assertTrue(
        refused("teams: [{name: t, members: [nic0], port-group: nope}]\n")
            .contains("unknown port group 'nope'"));
    assertTrue(
        refused("teams: [{name: t, members: [nic0], detection: link, probe: {target: 10.0.0.1}}]\n")
            .contains("a probe needs detection: arp"));
    assertFalse(
        refused("teams: [{name: 'a b', members: [nic0]}]\n").isEmpty(), "names are checked too");
  }

  @Test
  void aLacpTeamBalancesBySourceMacOverEveryMemberAndCompilesItsActor() {
    SwitchConfig c =
        valid(
            """
            teams:
              - {name: lag, members: [nic0, nic1], port-group: up, lacp: {}}
              - {name: lag2, members: [nic2], lacp: {mode: passive, rate: slow,
                 system-priority: 100, system-id: "02:00:00:00:00:aa", key: 77}}
            """);
    SwitchConfig.Team t = c.teams().get(0);
    assertEquals("src-mac", t.policy(), "lacp balances; src-mac unless told");
    assertEquals(List.of("nic0", "nic1"), t.active());
    assertEquals(List.of(), t.standby());
    assertEquals("active", t.lacp().mode());
    assertEquals("fast", t.lacp().rate());
    assertEquals(32768, t.lacp().systemPriority());
    assertEquals(c, ConfigJson.read(ConfigJson.write(c), "journal"), "journal round trip");
    L2Tables tables =
        L2Compiler.compile(
            c, java.util.Map.of("vm1", 0, "vm2", 1, "nic0", 2, "nic1", 3, "nic2", 4), 60);
    Team lag = tables.teams().get(0);
    assertEquals(new Team.Lacp(true, true, 32768, 0, 1), lag.lacp, "key: the team's position");
    assertEquals(Team.NONE, lag.carrierOf(0), "nobody carries before LACP says so");
    assertTrue(Arrays.asList(tables.features(lag.index)).contains(Feature.LACP_RX));
    Team lag2 = tables.teams().get(1);
    assertEquals(new Team.Lacp(false, false, 100, 0x0200_0000_00aaL, 77), lag2.lacp);
    SwitchConfig plain = valid("teams: [{name: uplink, members: [nic0, nic1], port-group: up}]\n");
    L2Tables noLacp =
        L2Compiler.compile(
            plain, java.util.Map.of("vm1", 0, "vm2", 1, "nic0", 2, "nic1", 3, "nic2", 4), 60);
    assertFalse(
        Arrays.asList(noLacp.features(noLacp.teams().get(0).index)).contains(Feature.LACP_RX));
  }

  @Test
  void lacpRefusesFailoverStandbyProbesAndBadSettingsOneLineEach() {
    String team = "teams: [{name: lag, members: [nic0, nic1], %s}]\n";
    assertTrue(refused(team.formatted("policy: failover, lacp: {}")).contains("not failover"));
    assertTrue(
        refused(team.formatted("policy: src-mac, active: [nic0], lacp: {}"))
            .contains("leave standby out"));
    assertTrue(
        refused(team.formatted("probe: {target: 10.0.0.1}, lacp: {}"))
            .contains("leave the probe out"));
    assertTrue(refused(team.formatted("lacp: {mode: on}")).contains("lacp.mode 'on' is unknown"));
    assertTrue(refused(team.formatted("lacp: {rate: turbo}")).contains("lacp.rate 'turbo'"));
    assertTrue(refused(team.formatted("lacp: {key: 0}")).contains("lacp.key must be in"));
    assertTrue(refused(team.formatted("lacp: {key: 65536}")).contains("lacp.key must be in"));
    assertTrue(refused(team.formatted("lacp: {system-priority: -1}")).contains("system-priority"));
    assertTrue(
        refused(team.formatted("lacp: {system-id: \"01:80:c2:00:00:02\"}")).contains("unicast"));
    assertTrue(refused(team.formatted("lacp: {system-id: nonsense}")).contains("is no MAC"));
  }
}
