package io.vswitch.control.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.L2Compiler;
import io.vswitch.control.plane.ConfigJson;
import io.vswitch.dataplane.l2.Feature;
import io.vswitch.dataplane.l2.L2Tables;
import io.vswitch.dataplane.l2.overlay.VxlanOverlay;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The overlay section: what it accepts, what it refuses (in one line), what it compiles to. */
class OverlayConfigTest {
  private static final String SWITCH =
      """
      port-groups:
        - {name: web, vlan: {mode: access, id: 100}}
        - {name: web2, vlan: {mode: access, id: 100}}
        - {name: db, vlan: {mode: access, id: 200}}
        - {name: trunk, vlan: {mode: trunk, allowed: [300]}}
        - {name: underlay, vlan: {mode: access, id: 1}}
      ports:
        - {name: vm1, devargs: net_null0, port-group: web}
        - {name: vm2, devargs: net_null1, port-group: db}
        - {name: up, devargs: net_null2, port-group: underlay}
      """;

  private static final String OVERLAY =
      """
      overlay:
        vtep: {port: up, address: 192.0.2.1/24, gateway: 192.0.2.254}
        segments:
          - {name: blue, vni: 5001, port-groups: [web, web2], remote-vteps: [192.0.2.2, 198.51.100.7]}
          - {name: green, vni: 5002, port-groups: [db], remote-vteps: [192.0.2.2]}
        neighbors: [{address: 192.0.2.254, mac: "52:54:00:00:00:fe"}]
      """;

  private static SwitchConfig valid(String yaml) {
    return ConfigValidator.validate(ConfigLoader.parse(yaml, "test.yaml"));
  }

  private static String refused(String yaml) {
    ConfigException e = assertThrows(ConfigException.class, () -> valid(yaml));
    assertEquals(-1, e.getMessage().indexOf('\n'), "one line: " + e.getMessage());
    return e.getMessage();
  }

  @Test
  void aValidOverlayHasDefaultsAndReadsBackFromTheJournal() {
    SwitchConfig config = valid(SWITCH + OVERLAY);
    Overlay o = config.overlay();
    assertEquals(4789, o.udpPort());
    assertEquals(64, o.ttl());
    assertEquals(config, ConfigJson.read(ConfigJson.write(config), "journal"));
    assertFalse(ConfigJson.write(valid(SWITCH)).contains("overlay"), "absent when not set");
    assertEquals(0x0200_c000_0201L, OverlaySpecs.localMac(o), "02:00 and the address");
    assertEquals(1450, OverlaySpecs.tunnelMtu(config));
  }

  @Test
  void eachSegmentAndRemoteVtepIsOneTunnelPortOnTheSegmentsVlan() {
    SwitchConfig config = valid(SWITCH + OVERLAY);
    List<OverlaySpecs.Tunnel> tunnels = OverlaySpecs.tunnels(config);
    assertEquals(
        List.of("vxlan.blue.192.0.2.2", "vxlan.blue.198.51.100.7", "vxlan.green.192.0.2.2"),
        tunnels.stream().map(OverlaySpecs.Tunnel::name).toList());
    assertEquals(List.of(100, 100, 200), tunnels.stream().map(OverlaySpecs.Tunnel::vlan).toList());
    // Next hops: the on-link VTEP itself, and the gateway for the one off the subnet.
    var neighbors = OverlaySpecs.neighbors(config.overlay());
    assertEquals(2, neighbors.size());
    assertEquals(tunnels.get(0).hop(), tunnels.get(2).hop());
    assertEquals(0xc000_02feL, neighbors.ip(tunnels.get(1).hop()) & 0xFFFF_FFFFL);
    assertTrue(neighbors.isStatic(tunnels.get(1).hop()));
    assertEquals(0x5254_0000_00feL, neighbors.mac(tunnels.get(1).hop()));

    Map<String, Integer> slots = new HashMap<>(Map.of("vm1", 0, "vm2", 1, "up", 2));
    for (int t = 0; t < tunnels.size(); t++) {
      slots.put(tunnels.get(t).name(), 3 + t);
    }
    L2Tables tables = L2Compiler.compile(config, slots, 64);
    VxlanOverlay overlay = tables.overlay();
    assertTrue(overlay.active());
    assertEquals(2, overlay.uplink());
    assertEquals(0b111000L, overlay.tunnelMask());
    assertTrue(tables.carries(3, 100) && tables.carries(5, 200) && !tables.carries(5, 100));
    assertEquals(5001, overlay.tunnel(4).vni);
    assertEquals(5002, overlay.tunnel(5).vni);
    assertTrue(Arrays.asList(tables.features(2)).contains(Feature.VXLAN_DECAP));
    assertFalse(Arrays.asList(tables.features(0)).contains(Feature.VXLAN_DECAP));
    assertTrue(Arrays.asList(tables.features(0)).contains(Feature.VXLAN_EGRESS));
    assertFalse(Arrays.asList(tables.features(3)).contains(Feature.VXLAN_DECAP));
    // Without an overlay no port pays for it.
    L2Tables plain = L2Compiler.compile(valid(SWITCH), Map.of("vm1", 0, "vm2", 1, "up", 2), 64);
    assertFalse(Arrays.asList(plain.features(2)).contains(Feature.VXLAN_DECAP));
    assertFalse(Arrays.asList(plain.features(0)).contains(Feature.VXLAN_EGRESS));
  }

  @Test
  void aStaticFdbEntryMayPointAtARemoteVtepOnItsSegmentsVlan() {
    String entry =
        "fdb: {static: [{mac: \"52:54:00:aa:00:01\", vlan: %d, port: vxlan.blue.192.0.2.2}]}\n";
    assertNotNull(valid(SWITCH + entry.formatted(100) + OVERLAY));
    assertTrue(
        refused(SWITCH + entry.formatted(200) + OVERLAY)
            .contains("tunnel port 'vxlan.blue.192.0.2.2' is on its segment's VLAN 100"));
    assertTrue(refused(SWITCH + entry.formatted(100)).contains("unknown port"));
  }

  private static String with(String from, String to) {
    String yaml = SWITCH + OVERLAY;
    assertTrue(yaml.contains(from), from);
    return refused(yaml.replace(from, to));
  }

  @Test
  void refusalsNameWhatIsWrong() {
    assertTrue(with("vni: 5002", "vni: 16777216").contains("vni must be 1..16777215"));
    assertTrue(with("vni: 5002", "vni: 0").contains("vni must be 1..16777215"));
    assertTrue(with("vni: 5002", "vni: 5001").contains("VNI 5001 is already another segment's"));
    assertTrue(
        with("port-groups: [db]", "port-groups: [web]")
            .contains("port group 'web' is already in segment 'blue'"));
    assertTrue(with("port-groups: [db]", "port-groups: [nope]").contains("unknown port group"));
    assertTrue(with("port-groups: [db]", "port-groups: [trunk]").contains("must be access"));
    assertTrue(
        with("port-groups: [web, web2]", "port-groups: [web, db]")
            .contains("a segment is one VLAN"));
    assertTrue(with("port: up,", "port: nope,").contains("overlay.vtep.port must name a port"));
    assertTrue(with("192.0.2.1/24", "192.0.2.1").contains("needs a prefix length"));
    assertTrue(with("192.0.2.1/24", "192.0.2.1/33").contains("prefix length 1..32"));
    assertTrue(with("192.0.2.1/24", "192.0.2.300/24").contains("not an IPv4 address"));
    assertTrue(with("gateway: 192.0.2.254", "gateway: 10.0.0.1").contains("not on the VTEP's"));
    assertTrue(
        with(", gateway: 192.0.2.254}", "}").contains("off the VTEP's subnet")); // 198.51.100.7
    assertTrue(
        with("remote-vteps: [192.0.2.2]", "remote-vteps: [192.0.2.1]")
            .contains("this VTEP's own address"));
    assertTrue(
        with("remote-vteps: [192.0.2.2]", "remote-vteps: [192.0.2.2, 192.0.2.2]")
            .contains("listed twice"));
    assertTrue(with("name: green", "name: blue").contains("used twice"));
    assertTrue(with("name: green", "name: \"a b\"").contains("segment"), "segment names are names");
    assertTrue(
        with("address: 192.0.2.254, mac", "address: 203.0.113.9, mac").contains("not a next hop"));
    // An on-link address may be given a MAC before its VTEP is listed or discovered.
    assertNotNull(
        valid((SWITCH + OVERLAY).replace("address: 192.0.2.254, mac", "address: 192.0.2.99, mac")));
    assertTrue(with("\"52:54:00:00:00:fe\"", "\"01:00:5e:00:00:01\"").contains("multicast MAC"));
    assertTrue(
        refused(
                SWITCH.replace("{mode: access, id: 1}}", "{mode: trunk, allowed: [1, 200]}}")
                    + OVERLAY)
            .contains("VLAN 200 is also carried by the VTEP port 'up'"));
    assertTrue(
        refused(
                SWITCH.replace("port-group: underlay}", "port-group: underlay, mtu: 600}")
                    + OVERLAY)
            .contains("give it mtu >= 626"));
    assertTrue(
        refused(SWITCH.replace("name: vm2,", "name: vxlan.x,") + OVERLAY).contains("tunnel ports"));
    assertTrue(
        refused(
                "cross-connect: [[a, b]]\nports: [{name: a, devargs: net_null0}, {name: b, devargs: net_null1}]\n"
                    + OVERLAY)
            .contains("overlay needs a switch"));
  }

  private static final String GENEVE =
      """
      overlay:
        vtep: {port: up, address: 192.0.2.1/24}
        geneve-port: 6082
        segments:
          - {name: blue, vni: 5001, port-groups: [web], remote-vteps: [192.0.2.2]}
          - {name: gblue, vni: 5001, encapsulation: geneve, port-groups: [db],
             remote-vteps: [192.0.2.2, 192.0.2.3]}
      """;

  @Test
  void aGeneveSegmentMayShareAVxlanSegmentsVniAndCompilesToGeneveTunnels() {
    SwitchConfig config = valid(SWITCH + GENEVE);
    Overlay o = config.overlay();
    assertEquals(4789, o.udpPort());
    assertEquals(6082, o.genevePort());
    assertEquals("vxlan", o.segments().get(0).encapsulation(), "the default");
    assertEquals("geneve", o.segments().get(1).encapsulation());
    assertEquals(config, ConfigJson.read(ConfigJson.write(config), "journal"));
    assertEquals(6081, valid(SWITCH + OVERLAY).overlay().genevePort(), "IANA's by default");
    List<OverlaySpecs.Tunnel> tunnels = OverlaySpecs.tunnels(config);
    assertEquals(
        List.of("vxlan.blue.192.0.2.2", "geneve.gblue.192.0.2.2", "geneve.gblue.192.0.2.3"),
        tunnels.stream().map(OverlaySpecs.Tunnel::name).toList());
    assertEquals(
        List.of(false, true, true), tunnels.stream().map(OverlaySpecs.Tunnel::geneve).toList());
    assertEquals(1450, OverlaySpecs.tunnelMtu(config), "50 bytes either way");
    // The registry's spec carries the encapsulation, and a tunnel opened live reads it back.
    for (OverlaySpecs.Tunnel t : tunnels) {
      var spec = OverlaySpecs.portSpec(config, t);
      assertEquals(t.geneve(), spec.devargs().contains("encapsulation=geneve"), spec.devargs());
      OverlaySpecs.Tunnel back = OverlaySpecs.tunnelOf(o, spec.name(), spec.devargs());
      assertEquals(t.geneve(), back.geneve());
      assertEquals(t.vni(), back.vni());
      assertEquals(t.remote(), back.remote());
      var encap = L2Compiler.tunnel(o, back, OverlaySpecs.localIp(o), OverlaySpecs.localMac(o));
      assertEquals(t.geneve(), encap.geneve);
      assertEquals(t.geneve() ? 6082 : 4789, encap.udpPort);
    }
    Map<String, Integer> slots = new HashMap<>(Map.of("vm1", 0, "vm2", 1, "up", 2));
    for (int t = 0; t < tunnels.size(); t++) {
      slots.put(tunnels.get(t).name(), 3 + t);
    }
    L2Tables tables = L2Compiler.compile(config, slots, 64);
    VxlanOverlay overlay = tables.overlay();
    assertEquals(0b111000L, overlay.tunnelMask());
    assertFalse(overlay.tunnel(3).geneve);
    assertTrue(overlay.tunnel(4).geneve && overlay.tunnel(5).geneve);
    assertEquals(4789, overlay.tunnel(3).udpPort);
    assertEquals(6082, overlay.tunnel(4).udpPort);
    assertTrue(tables.carries(3, 100) && tables.carries(4, 200) && !tables.carries(4, 100));
    // The Geneve port is the VTEP's: changing it changes the VTEP (every tunnel reopens).
    SwitchConfig other = valid(SWITCH + GENEVE.replace("geneve-port: 6082", "geneve-port: 7000"));
    assertTrue(OverlaySpecs.vtepChanged(config, other));
    assertTrue(OverlaySpecs.sameAtRunTime(config, other), "live, as udp-port");
    // A segment's encapsulation is not the VTEP's: its tunnels are renamed (closed, reopened).
    SwitchConfig flipped =
        valid(
            SWITCH
                + GENEVE
                    .replace("encapsulation: geneve", "encapsulation: vxlan")
                    .replace("vni: 5001, encapsulation", "vni: 5002, encapsulation"));
    assertFalse(OverlaySpecs.vtepChanged(config, flipped));
    assertEquals(
        List.of("vxlan.blue.192.0.2.2", "vxlan.gblue.192.0.2.2", "vxlan.gblue.192.0.2.3"),
        OverlaySpecs.tunnels(flipped).stream().map(OverlaySpecs.Tunnel::name).toList());
  }

  @Test
  void geneveRefusalsNameWhatIsWrong() {
    String yaml = SWITCH + GENEVE;
    assertTrue(
        refused(yaml.replace("encapsulation: geneve", "encapsulation: gre"))
            .contains("encapsulation must be vxlan or geneve, not 'gre'"));
    assertTrue(
        refused(
                yaml.replace(
                    "{name: blue, vni: 5001,", "{name: blue, vni: 5001, encapsulation: geneve,"))
            .contains("Geneve VNI 5001 is already another segment's"));
    assertTrue(
        refused(yaml.replace("geneve-port: 6082", "geneve-port: 4789"))
            .contains("overlay.geneve-port and overlay.udp-port are both 4789"));
    assertTrue(
        refused(yaml.replace("geneve-port: 6082", "geneve-port: 65536"))
            .contains("overlay.geneve-port must be 1..65535"));
    assertTrue(
        refused(yaml.replace("geneve-port: 6082", "udp-port: 6081")).contains("are both 6081"),
        "the default Geneve port is taken too");
    assertTrue(
        refused(SWITCH.replace("name: vm2,", "name: geneve.x,") + GENEVE).contains("tunnel ports"));
  }

  private static final String TEAMED =
      """
      port-groups:
        - {name: web, vlan: {mode: access, id: 100}}
        - {name: underlay, vlan: {mode: access, id: 1}}
      ports:
        - {name: vm1, devargs: net_null0, port-group: web}
        - {name: nic0, devargs: net_null1, mtu: %d}
        - {name: nic1, devargs: net_null2, mtu: %d}
      teams:
        - {name: up, members: [nic0, nic1], port-group: underlay}
      overlay:
        vtep: {port: %s, address: 192.0.2.1/24}
        segments:
          - {name: blue, vni: 5001, port-groups: [web], remote-vteps: [192.0.2.2]}
      """;

  @Test
  void theVtepMayRideATeamAndItsTunnelsGetTheSmallestMembersMtuLessTheOverhead() {
    SwitchConfig config = valid(TEAMED.formatted(9000, 1600, "up"));
    assertEquals("up", OverlaySpecs.vtepTeam(config).name());
    assertEquals(1550, OverlaySpecs.tunnelMtu(config), "nic1's 1600 less 50");
    // Compiled: the overlay's uplink is the team's slot, decap in the team's list (its members'
    // bursts run it), and the team is the overlay's.
    L2Tables tables =
        L2Compiler.compile(
            config, Map.of("vm1", 0, "nic0", 1, "nic1", 2, "vxlan.blue.192.0.2.2", 3), 64);
    VxlanOverlay o = tables.overlay();
    int slot = TeamSpecs.slot(0);
    assertEquals(slot, o.uplink());
    assertEquals("up", o.team().name);
    assertEquals(1, o.carrier(), "nic0 carries: the first active member");
    assertTrue(Arrays.asList(tables.features(slot)).contains(Feature.VXLAN_DECAP));
    // A member's MTU is restart-only like a plain VTEP port's.
    SwitchConfig other = valid(TEAMED.formatted(9000, 1700, "up"));
    assertFalse(OverlaySpecs.sameAtRunTime(config, other));
    assertTrue(OverlaySpecs.sameAtRunTime(config, valid(TEAMED.formatted(9000, 1600, "up"))));
  }

  @Test
  void aTeamVtepIsRefusedWhenAnyMemberLeavesTooLittleForTheOverheadOrAMemberIsNamed() {
    String small = refused(TEAMED.formatted(9000, 600, "up"));
    assertTrue(small.contains("team 'up' member 'nic1'") && small.contains("626"), small);
    String member = refused(TEAMED.formatted(1500, 1500, "nic0"));
    assertTrue(member.contains("'nic0' is a member of team 'up': name the team"), member);
    String unknown = refused(TEAMED.formatted(1500, 1500, "nope"));
    assertTrue(unknown.contains("must name a port or a team") && unknown.contains("[up]"), unknown);
  }
}
