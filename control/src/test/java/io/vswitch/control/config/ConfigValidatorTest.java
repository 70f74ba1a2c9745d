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
}
