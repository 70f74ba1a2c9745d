package io.vswitch.control.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.L2Compiler;
import io.vswitch.control.plane.ChangeDescriber;
import io.vswitch.control.plane.ConfigEdits;
import io.vswitch.control.plane.ConfigJson;
import io.vswitch.dataplane.l2.Feature;
import io.vswitch.dataplane.l2.L2Tables;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The mirrors section: what it accepts, what it refuses (by name), and what it compiles to. */
class MirrorConfigTest {
  private static final String SWITCH =
      """
      port-groups:
        - {name: web, vlan: {mode: access, id: 10}}
        - {name: up, vlan: {mode: trunk, allowed: [10, 999]}}
      ports:
        - {name: a, devargs: net_null0, port-group: web}
        - {name: b, devargs: net_null1, port-group: web}
        - {name: sniff, devargs: net_null2, port-group: web}
        - {name: up, devargs: net_null3, port-group: up}
      """;

  private static SwitchConfig valid(String mirrors) {
    return ConfigValidator.validate(ConfigLoader.parse(SWITCH + mirrors, "test.yaml"));
  }

  private static String refused(String mirrors) {
    ConfigException e = assertThrows(ConfigException.class, () -> valid(mirrors));
    assertEquals(-1, e.getMessage().indexOf('\n'), "one line: " + e.getMessage());
    return e.getMessage();
  }

  @Test
  void localAndRemoteSessionsParseWithDefaults() {
    SwitchConfig config =
        valid(
            """
            mirrors:
              - {name: tap, sources: [a, b], destination: sniff, vlans: [10], truncate: 128}
              - {name: far, sources: [a], direction: in, destination: {vlan: 999}}
            """);
    SwitchConfig.Mirror tap = config.mirrors().get(0);
    assertEquals("both", tap.direction());
    assertEquals("sniff", tap.destination().port());
    assertNull(tap.destination().vlan());
    assertEquals(128, tap.truncate());
    assertEquals(999, config.mirrors().get(1).destination().vlan());
    // The journal's JSON reads back to the same config.
    assertEquals(config, ConfigJson.read(ConfigJson.write(config), "journal"));
  }

  @Test
  void aConfigWithoutMirrorsWritesTheJournalAsBefore() {
    SwitchConfig config = valid("");
    assertFalse(ConfigJson.write(config).contains("mirrors"));
  }

  @Test
  void theJournalDescribesMirrorChangesByName() {
    SwitchConfig none = valid("");
    SwitchConfig tap = valid("mirrors: [{name: tap, sources: [a], destination: sniff}]\n");
    SwitchConfig cut =
        valid("mirrors: [{name: tap, sources: [a], destination: sniff, truncate: 96}]\n");
    assertEquals("add mirror tap", ChangeDescriber.describe(none, tap));
    assertEquals("mirror tap: truncate (unset) -> 96", ChangeDescriber.describe(tap, cut));
    assertEquals("remove mirror tap", ChangeDescriber.describe(cut, none));
  }

  @Test
  void refusalsNameWhatIsWrong() {
    assertTrue(
        refused("mirrors: [{name: m, sources: [x], destination: sniff}]\n")
            .contains("unknown source port 'x'"));
    assertTrue(
        refused("mirrors: [{name: m, sources: [a], destination: nope}]\n")
            .contains("unknown destination port 'nope'"));
    assertTrue(
        refused("mirrors: [{name: m, sources: [a, sniff], destination: sniff}]\n")
            .contains("is a mirror source"));
    assertTrue(
        refused(
                """
                mirrors:
                  - {name: m, sources: [a], destination: sniff}
                  - {name: n, sources: [sniff], destination: b}
                """)
            .contains("destination 'sniff' is a mirror source"),
        "a destination of one session is no source of another: copies are never mirrored");
    assertTrue(
        refused("mirrors: [{name: m, sources: [a], direction: sideways, destination: sniff}]\n")
            .contains("direction 'sideways'"));
    assertTrue(
        refused("mirrors: [{name: m, sources: [a], destination: {port: sniff, vlan: 5}}]\n")
            .contains("exactly one"));
    assertTrue(refused("mirrors: [{name: m, sources: [a]}]\n").contains("exactly one"));
    assertTrue(
        refused(
                "mirrors: [{name: m, sources: [a], destination: {erspan: {via: up,"
                    + " src-ip: 10.0.0.1, dst-ip: 10.0.0.300, src-mac: \"02:00:00:00:00:01\","
                    + " dst-mac: \"02:00:00:00:00:02\"}}}]\n")
            .contains("erspan.dst-ip: '10.0.0.300' is not an IPv4 address"));
    assertTrue(
        refused(
                "mirrors: [{name: m, sources: [a], destination: {erspan: {via: nope,"
                    + " src-ip: 10.0.0.1, dst-ip: 10.0.0.2, src-mac: \"02:00:00:00:00:01\","
                    + " dst-mac: \"02:00:00:00:00:02\"}}}]\n")
            .contains("erspan.via must name a port"));
    assertTrue(
        refused("mirrors: [{name: m, sources: [up], destination: {vlan: 999}}]\n")
            .contains("is in the RSPAN VLAN 999"));
    assertTrue(
        refused("mirrors: [{name: m, sources: [a], destination: sniff, truncate: 20}]\n")
            .contains("truncate must be 60.."));
    assertTrue(
        refused("mirrors: [{name: m, sources: [a], destination: sniff, vlans: [0]}]\n")
            .contains("vlans must be a VLAN id"));
    assertTrue(
        refused(
                """
                mirrors:
                  - {name: m, sources: [a], destination: sniff}
                  - {name: m, sources: [b], destination: sniff}
                """)
            .contains("'m' is used twice"));
    assertTrue(
        refused(
                """
                fdb: {static: [{mac: "02:00:00:00:00:01", vlan: 10, port: sniff}]}
                mirrors: [{name: m, sources: [a], destination: sniff}]
                """)
            .contains("is a mirror destination"));
  }

  @Test
  void anErspanSessionParsesRoundTripsAndKeepsItsViaPortForwarding() {
    SwitchConfig config =
        valid(
            """
            mirrors:
              - name: far
                sources: [a]
                destination:
                  erspan: {via: up, src-ip: 192.0.2.1, dst-ip: 198.51.100.7,
                           src-mac: "02:00:00:00:00:fe", dst-mac: "52:54:00:12:34:56"}
            """);
    SwitchConfig.Erspan e = config.mirrors().get(0).destination().erspan();
    assertEquals(1, e.sessionId());
    assertEquals(config, ConfigJson.read(ConfigJson.write(config), "journal"));
    L2Tables tables = L2Compiler.compile(config, Map.of("a", 0, "b", 1, "sniff", 2, "up", 3), 4);
    assertTrue(tables.carries(3, 10), "the via port still forwards");
    assertFalse(tables.isMirrorDestination(3));
    assertTrue(Arrays.asList(tables.features(0)).contains(Feature.MIRROR_IN));
    assertTrue(ConfigEdits.withoutPort(config, "up").mirrors().isEmpty(), "its tunnel went");
  }

  @Test
  void compilesToSessionsTheTablesRoute() {
    SwitchConfig config =
        valid("mirrors: [{name: m, sources: [a], direction: in, destination: sniff}]\n");
    L2Tables tables = L2Compiler.compile(config, Map.of("a", 0, "b", 1, "sniff", 2, "up", 3), 4);
    assertTrue(Arrays.asList(tables.features(0)).contains(Feature.MIRROR_IN));
    assertFalse(Arrays.asList(tables.features(1)).contains(Feature.MIRROR_IN));
    assertTrue(tables.isMirrorDestination(2));
    assertFalse(tables.carries(2, 10), "the destination takes no normal traffic");
    assertTrue(tables.carries(1, 10));
    assertEquals(0, tables.mirroredEgress(), "in only");
  }

  @Test
  void removingAPortTakesItOutOfItsMirrors() {
    SwitchConfig config =
        valid(
            """
            mirrors:
              - {name: m, sources: [a, b], destination: sniff}
              - {name: n, sources: [b], destination: {vlan: 999}}
            """);
    SwitchConfig withoutB = ConfigValidator.validate(ConfigEdits.withoutPort(config, "b"));
    assertEquals(1, withoutB.mirrors().size(), "n had only b");
    assertEquals(java.util.List.of("a"), withoutB.mirrors().get(0).sources());
    SwitchConfig withoutSniff = ConfigValidator.validate(ConfigEdits.withoutPort(config, "sniff"));
    assertEquals(
        java.util.List.of("n"), withoutSniff.mirrors().stream().map(m -> m.name()).toList());
  }
}
