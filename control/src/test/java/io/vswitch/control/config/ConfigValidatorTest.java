package io.vswitch.control.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ConfigValidatorTest {
  private static final String PORTS =
      """
      ports:
        - {name: a, devargs: net_null0}
        - {name: b, devargs: net_null1}
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
  void minimalConfigGetsDefaults() {
    SwitchConfig config = valid(PORTS + "cross-connect: [[a, b]]\n");
    assertEquals("auto", config.eal().hugepages());
    assertEquals(512, config.eal().memoryMb());
    assertEquals("busy-spin", config.workers().idle());
    assertEquals(1, config.workers().cores().size());
    assertEquals(1, config.ports().get(0).rxQueues());
  }

  @Test
  void jsonIsAcceptedToo() {
    SwitchConfig config =
        valid(
            """
            {"ports": [{"name": "a", "devargs": "net_null0"}, {"name": "b", "devargs": "net_null1"}],
             "cross-connect": [["a", "b"]], "workers": {"cores": [-1], "idle": "backoff"}}
            """);
    assertEquals("backoff", config.workers().idle());
  }

  @Test
  void unknownPortInCrossConnectIsNamed() {
    assertTrue(refused(PORTS + "cross-connect: [[a, c]]\n").contains("unknown port 'c'"));
  }

  @Test
  void unknownKeyIsNamed() {
    assertTrue(refused(PORTS + "cross-conect: [[a, b]]\n").contains("'cross-conect'"));
  }

  @Test
  void twoPortsOnOneDeviceAreRefused() {
    String yaml =
        """
        ports:
          - {name: a, devargs: "net_null0,size=64"}
          - {name: b, devargs: net_null0}
        cross-connect: [[a, b]]
        """;
    assertTrue(refused(yaml).contains("both use device 'net_null0'"));
  }

  @Test
  void duplicatePortNameIsRefused() {
    String yaml =
        """
        ports:
          - {name: a, devargs: net_null0}
          - {name: a, devargs: net_null1}
        cross-connect: [[a, a]]
        """;
    assertTrue(refused(yaml).contains("used twice"));
  }

  @Test
  void missingInterfaceIsNamedBeforeDpdkSeesIt() {
    String yaml =
        """
        ports:
          - {name: a, devargs: "net_af_packet0,iface=nosuch0"}
          - {name: b, devargs: net_null1}
        cross-connect: [[a, b]]
        """;
    assertTrue(refused(yaml).contains("interface 'nosuch0' does not exist"));
  }

  @Test
  void unreadableCaptureIsNamed() {
    String yaml =
        """
        ports:
          - {name: a, devargs: "net_pcap0,rx_pcap=/nonexistent/in.pcap,tx_pcap=/tmp/o.pcap"}
          - {name: b, devargs: net_null1}
        cross-connect: [[a, b]]
        """;
    assertTrue(refused(yaml).contains("cannot be read"));
  }

  @Test
  void portLeftUnconnectedIsRefused() {
    String yaml = PORTS + "  - {name: c, devargs: net_null2}\ncross-connect: [[a, b]]\n";
    assertTrue(refused(yaml).contains("'c' is not cross-connected"));
  }

  @Test
  void portConnectedTwiceIsRefused() {
    String yaml = PORTS + "  - {name: c, devargs: net_null2}\ncross-connect: [[a, b], [a, c]]\n";
    assertTrue(refused(yaml).contains("cross-connected twice"));
  }

  @Test
  void badValuesAreRefused() {
    String base = PORTS + "cross-connect: [[a, b]]\n";
    assertTrue(refused(base + "eal: {hugepages: maybe}\n").contains("auto, on or off"));
    assertTrue(refused(base + "workers: {idle: lazy}\n").contains("busy-spin or backoff"));
    assertTrue(refused(base + "workers: {cores: [4096]}\n").contains("does not exist"));
    assertTrue(refused(base + "eal: {memory-mb: 1}\n").contains("at least 64"));
  }

  @Test
  void nonPowerOfTwoRingIsRefused() {
    String yaml =
        """
        ports:
          - {name: a, devargs: net_null0, rx-descriptors: 1000}
          - {name: b, devargs: net_null1}
        cross-connect: [[a, b]]
        """;
    assertTrue(refused(yaml).contains("powers of two"));
  }

  private static final String L2_PORTS =
      """
      ports:
        - {name: a, devargs: net_null0, port-group: web}
        - {name: b, devargs: net_null1, port-group: up}
      """;

  @Test
  void l2ConfigWithPortGroupsIsAccepted() {
    SwitchConfig config =
        valid(
            """
            port-groups:
              - name: web
                vlan: {mode: access, id: 10}
                security: {promiscuous: accept, forged-transmits: reject}
              - {name: up, vlan: {mode: trunk, allowed: [10, 20], native: 1}}
            fdb: {aging-seconds: 60, static: [{mac: "02:00:00:00:00:01", vlan: 10, port: a}]}
            """
                + L2_PORTS);
    assertEquals(false, config.crossConnectMode());
    assertEquals("reject", config.portGroups().get(0).security().forgedTransmits());
    assertEquals("accept", config.portGroups().get(0).security().macChanges());
    assertEquals(1, config.portGroups().get(1).vlan().nativeVlan());
  }

  @Test
  void portSecurityHasAMacLimitByDefaultAndForwardBpduOff() {
    SwitchConfig config =
        valid(
            """
            port-groups:
              - {name: web, vlan: {mode: access, id: 10}, security: {mac-limit: 16, forward-bpdu: true}}
              - {name: up, vlan: {mode: trunk, allowed: [10]}}
            """
                + L2_PORTS);
    assertEquals(16, config.portGroups().get(0).security().macLimit());
    assertEquals(true, config.portGroups().get(0).security().forwardBpdu());
    assertEquals(
        SwitchConfig.Security.DEFAULT_MAC_LIMIT, config.portGroups().get(1).security().macLimit());
    assertEquals(false, config.portGroups().get(1).security().forwardBpdu());
    String groups = "port-groups:\n  - {name: up, vlan: {mode: trunk, allowed: [10]}}\n";
    assertTrue(
        refused(groups + "  - {name: web, security: {mac-limit: -1}}\n" + L2_PORTS)
            .contains("mac-limit must be >= 0"));
  }

  @Test
  void portsWithoutAGroupAreOnAccessVlanOne() {
    SwitchConfig config = valid(PORTS);
    assertEquals(null, config.ports().get(0).portGroup());
  }

  @Test
  void badL2SettingsAreRefused() {
    String groups = "port-groups:\n  - {name: up, vlan: {mode: trunk, allowed: [10]}}\n";
    assertTrue(
        refused(groups + "  - {name: web, vlan: {mode: access, id: 4095}}\n" + L2_PORTS)
            .contains("1..4094"));
    assertTrue(
        refused(groups + "  - {name: web, vlan: {mode: hybrid}}\n" + L2_PORTS)
            .contains("access or trunk"));
    assertTrue(
        refused(groups + "  - {name: web, vlan: {mode: trunk}}\n" + L2_PORTS)
            .contains("needs allowed VLANs"));
    assertTrue(
        refused(groups + "  - {name: web, security: {promiscuous: maybe}}\n" + L2_PORTS)
            .contains("accept or reject"));
    assertTrue(refused(groups + L2_PORTS).contains("unknown port group 'web'"));
    assertTrue(refused(groups + "  - {name: up}\n" + L2_PORTS).contains("'up' is used twice"));
  }

  @Test
  void staticEntryMustNameAPortInItsVlan() {
    String base =
        "port-groups:\n  - {name: web, vlan: {mode: access, id: 10}}\n"
            + "  - {name: up, vlan: {mode: trunk, allowed: [10]}}\n"
            + L2_PORTS;
    assertTrue(
        refused(base + "fdb: {static: [{mac: '02:00:00:00:00:01', vlan: 20, port: a}]}\n")
            .contains("not in VLAN 20"));
    assertTrue(
        refused(base + "fdb: {static: [{mac: '02:00:00:00:00:01', vlan: 10, port: z}]}\n")
            .contains("unknown port 'z'"));
    assertTrue(
        refused(base + "fdb: {static: [{mac: '01:00:5e:00:00:01', vlan: 10, port: a}]}\n")
            .contains("multicast"));
  }

  @Test
  void portMacMustBeUnicast() {
    String yaml =
        "ports:\n  - {name: a, devargs: net_null0, mac: 'ff:ff:ff:ff:ff:ff'}\n"
            + "  - {name: b, devargs: net_null1, mac: 'not-a-mac'}\n";
    assertTrue(refused(yaml).contains("multicast"));
  }

  @Test
  void crossConnectAndPortGroupsDoNotMix() {
    assertTrue(
        refused("port-groups: [{name: g}]\n" + PORTS + "cross-connect: [[a, b]]\n")
            .contains("not both"));
  }

  @Test
  void vhostSocketPathIsNotMistakenForAnInterface() {
    valid(
        """
        ports:
          - {name: a, devargs: "net_vhost0,iface=/tmp/vm1.sock,client=1"}
          - {name: b, devargs: net_null1}
        cross-connect: [[a, b]]
        """);
  }

  @Test
  void fdbPrefillMustFitTheTable() {
    String yaml =
        PORTS.replace("net_null0}", "net_null0}") + "fdb: {capacity: 1024, prefill: 2000}\n";
    assertTrue(refused(yaml).contains("fdb.prefill must be in 0..fdb.capacity"));
    assertEquals(1000, valid(PORTS + "fdb: {capacity: 1024, prefill: 1000}\n").fdb().prefill());
  }
}
