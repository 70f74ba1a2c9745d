package io.vswitch.control.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.plane.ConfigJson;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The ipfix section and the per-group and per-port switch: defaults, refusals in one line. */
class IpfixConfigTest {
  private static final String PORTS =
      """
      port-groups:
        - {name: web, vlan: {mode: access, id: 10}, ipfix: true}
        - {name: db, vlan: {mode: access, id: 20}}
      ports:
        - {name: a, devargs: net_null0, port-group: web}
        - {name: b, devargs: net_null1, port-group: web, ipfix: false}
        - {name: c, devargs: net_null2, port-group: db, ipfix: true}
        - {name: d, devargs: net_null3, port-group: db}
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
  void defaultsFillTheSectionAndAPortsOwnSwitchBeatsItsGroups() {
    SwitchConfig c =
        valid(
            PORTS
                + "ipfix: {collectors: [{address: 127.0.0.1}, {address: \"::1\", port: 9995}]}\n");
    SwitchConfig.Ipfix x = c.ipfix();
    assertEquals(60, x.activeTimeout());
    assertEquals(15, x.idleTimeout());
    assertEquals(1, x.sampling());
    assertEquals(65536, x.cacheSize());
    assertEquals(600, x.templateRefresh());
    assertEquals(1L, x.observationDomain());
    assertEquals(
        java.util.List.of(
            new InetSocketAddress("127.0.0.1", 4739), new InetSocketAddress("::1", 9995)),
        IpfixSpecs.collectors(x));
    assertTrue(c.exportsFlows(c.ports().get(0)), "a: its group's");
    assertFalse(c.exportsFlows(c.ports().get(1)), "b: off by its own");
    assertTrue(c.exportsFlows(c.ports().get(2)), "c: on by its own");
    assertFalse(c.exportsFlows(c.ports().get(3)), "d: neither");
    assertEquals(60_000, IpfixSpecs.settings(x).activeMillis());
    // The journal keeps it, and a config without it reads back without it.
    assertEquals(c, ConfigJson.read(ConfigJson.write(c), "journal"));
    SwitchConfig none = valid("ports: [{name: a, devargs: net_null0}]\n");
    assertNull(none.ipfix());
    assertFalse(ConfigJson.write(none).contains("ipfix"), ConfigJson.write(none));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{collectors: []}|ipfix.collectors: 1..8 collectors",
        "{active-timeout: 5}|ipfix.collectors: 1..8 collectors",
        "{collectors: [{address: collector.example}]}|ipfix.collectors: 'collector.example' is not an IPv4 or IPv6 address",
        "{collectors: [{port: 4739}]}|ipfix.collectors: an entry without an address",
        "{collectors: [{address: 10.0.0.1, port: 0}]}|ipfix.collectors: port 0 of '10.0.0.1' is not in 1..65535",
        "{collectors: [{address: 10.0.0.1, port: 70000}]}|ipfix.collectors: port 70000",
        "{collectors: [{address: 10.0.0.1}, {address: 10.0.0.1, port: 4739}]}|ipfix.collectors: '10.0.0.1' port 4739 twice",
        "{collectors: [{address: 10.0.0.1}], sampling: 0}|ipfix.sampling must be in 1..65535",
        "{collectors: [{address: 10.0.0.1}], cache-size: 1000}|ipfix.cache-size must be a power of two in 1024..16777216",
        "{collectors: [{address: 10.0.0.1}], cache-size: 33554432}|ipfix.cache-size must be a power of two",
        "{collectors: [{address: 10.0.0.1}], idle-timeout: 0}|ipfix.idle-timeout must be in 1..86400 seconds",
        "{collectors: [{address: 10.0.0.1}], active-timeout: 86401}|ipfix.active-timeout must be in 1..86400",
        "{collectors: [{address: 10.0.0.1}], template-refresh: -1}|ipfix.template-refresh must be in 1..86400",
        "{collectors: [{address: 10.0.0.1}], observation-domain: 4294967296}|ipfix.observation-domain must be in 0..4294967295",
      })
  void badSectionsAreRefusedInOneLine(String section, String message) {
    String got = refused(PORTS + "ipfix: " + section + "\n");
    assertTrue(got.startsWith(message), got);
  }

  @Test
  void flowExportWithoutASectionOrOnACrossConnectIsRefused() {
    assertEquals(
        "port 'a': ipfix is on, but there is no ipfix section (collectors) to export to",
        refused(PORTS));
    assertTrue(
        refused(
                """
                ports: [{name: a, devargs: net_null0}, {name: b, devargs: net_null1}]
                cross-connect: [[a, b]]
                ipfix: {collectors: [{address: 127.0.0.1}]}
                """)
            .startsWith("ipfix needs a switch"));
    assertTrue(
        refused(PORTS + "ipfix: {collectors: [{address: 127.0.0.1}], cahce-size: 1}\n")
            .contains("cahce-size"));
  }
}
