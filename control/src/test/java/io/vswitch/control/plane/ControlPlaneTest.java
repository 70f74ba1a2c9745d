package io.vswitch.control.plane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.SwitchLauncher;
import io.vswitch.control.config.ConfigException;
import io.vswitch.control.config.ConfigLoader;
import io.vswitch.control.config.ConfigValidator;
import io.vswitch.control.config.SwitchConfig;
import io.vswitch.dataplane.port.Port;
import io.vswitch.dataplane.testing.TestEal;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Changes to a running L2 switch (real DPDK devices: net_null sinks) through the control plane:
 * good ones apply, and every class of bad one is refused with nothing changed.
 */
class ControlPlaneTest {
  @TempDir Path dir;
  private SwitchLauncher.Running running;
  private ControlPlane plane;
  private Journal journal;
  private static int instance;

  @BeforeAll
  static void eal() {
    TestEal.get();
  }

  private static String base(String tag) {
    return """
        workers: {cores: [-1], idle: backoff}
        port-groups:
          - {name: v10, vlan: {mode: access, id: 10}}
          - {name: v20, vlan: {mode: access, id: 20}}
          - {name: up, vlan: {mode: trunk, allowed: [10, 20]}}
        ports:
          - {name: a, devargs: "net_null_%sa,no-rx=1", port-group: v10}
          - {name: b, devargs: "net_null_%sb,no-rx=1", port-group: up}
        fdb: {static: [{mac: "02:00:00:00:00:0b", vlan: 10, port: b}]}
        """
        .formatted(tag, tag);
  }

  private String tag;

  @BeforeEach
  void start() {
    tag = "cp" + (instance++);
    SwitchConfig config = ConfigValidator.validate(ConfigLoader.parse(base(tag), "test"));
    running = SwitchLauncher.open(config, dir.resolve("counters"));
    running.runtime().start();
    journal = new Journal(dir.resolve("journal"));
    plane = new ControlPlane(config, running.runtime(), running.l2(), journal);
  }

  @AfterEach
  void stop() {
    running.runtime().close();
    running.close();
    journal.close();
  }

  private SwitchConfig edit(UnaryOperator<String> yaml) {
    return ConfigLoader.parse(yaml.apply(base(tag)), "change");
  }

  private List<String> portNames() {
    return running.runtime().ports().stream().map(Port::name).toList();
  }

  @Test
  void addingMovingAndRemovingPortsAppliesAndIsJournaled() {
    SwitchConfig withC =
        ConfigEdits.withPort(
            plane.running(),
            ConfigJson.read(
                "{\"name\":\"c\",\"devargs\":\"net_null_" + tag + "c,no-rx=1\"}",
                SwitchConfig.Port.class,
                "port"));
    assertEquals(1, plane.apply(withC, "test", "add c").sequence());
    assertEquals(List.of("a", "b", "c"), portNames());
    int c = running.runtime().port("c").index();
    assertTrue(running.l2().tables().carries(c, 1), "c is on access VLAN 1 by default");

    plane.apply(ConfigEdits.withPortGroup(plane.running(), "c", "v20"), "test", "move c");
    assertTrue(running.l2().tables().carries(c, 20));

    plane.apply(ConfigEdits.withoutPort(plane.running(), "a"), "test", "drop a");
    assertEquals(List.of("b", "c"), portNames());
    assertEquals(3, journal.history().size());
    assertEquals(0, running.runtime().pool().inUse() - 0, "no mbufs held by removed ports");
  }

  @Test
  void sameConfigIsNoChange() {
    assertNull(plane.apply(plane.running(), "test", "nothing"));
    assertEquals(0, journal.history().size());
  }

  /** Every class of bad change: refused whole, nothing changes, nothing is journaled. */
  @Test
  void badChangesAreRefusedAndChangeNothing() {
    SwitchConfig before = plane.running();
    List<UnaryOperator<String>> bad =
        List.of(
            y -> y.replace("port-group: up}", "port-group: nosuch}"), // unknown port group
            y -> y.replace("port: b}", "port: z}"), // static entry on an unknown port
            y -> y.replace("allowed: [10, 20]", "allowed: [10, 10]"), // overlapping VLANs
            y -> y.replace("{mode: access, id: 20}", "{mode: access, id: 20, allowed: [30]}"),
            y -> y.replace("id: 20}", "id: 5000}"), // VLAN out of range
            y -> y.replace("{name: b,", "{name: a,"), // a port name in use
            y -> y.replace(tag + "b", tag + "a"), // a device in use by another port
            y -> y.replace("vlan: 10, port: b", "vlan: 30, port: b"), // static outside the VLAN
            y -> y.replace("02:00:00:00:00:0b", "01:00:00:00:00:0b"), // multicast static MAC
            y -> y.replace("idle: backoff", "idle: busy-spin"), // workers: restart only
            y -> y + "eal: {memory-mb: 1024}\n", // eal: restart only
            y -> y.replace("fdb: {", "fdb: {capacity: 4096, ")); // fdb capacity: restart only
    for (UnaryOperator<String> change : bad) {
      SwitchConfig desired = edit(change);
      assertThrows(ConfigException.class, () -> plane.apply(desired, "test", "bad"));
      assertEquals(before, plane.running());
      assertEquals(List.of("a", "b"), portNames());
    }
    assertEquals(0, journal.history().size());
  }

  @Test
  void deviceDpdkRefusesLeavesTheSwitchAsItWas() {
    SwitchConfig desired =
        edit(y -> y.replace("fdb:", "  - {name: c, devargs: net_nosuchdriver7}\nfdb:"));
    assertThrows(ApplyException.class, () -> plane.apply(desired, "test", "bad device"));
    assertEquals(List.of("a", "b"), portNames());
    assertEquals(0, journal.history().size());
  }

  /**
   * Only ports a change opens are host-checked: a new port on a socket that another process serves
   * is refused, while a port that keeps its device (here moved to another group) is not looked at
   * again, so the socket a running vhost-user port serves does not refuse every change.
   */
  @Test
  void hostChecksApplyToThePortsAChangeOpensOnly() throws Exception {
    Path socket = dir.resolve("busy.sock");
    try (var server =
        java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      server.bind(java.net.UnixDomainSocketAddress.of(socket));
      String vm = "  - {name: vm, type: vhost-user, socket: " + socket + ", port-group: v10}\n";
      SwitchConfig withVm = edit(y -> y.replace("fdb:", vm + "fdb:"));
      ConfigException e =
          assertThrows(ConfigException.class, () -> plane.apply(withVm, "test", "add vm"));
      assertTrue(e.getMessage().contains("is busy: another process serves it"), e.getMessage());
      assertEquals(List.of("a", "b"), portNames());

      // As if vm ran already: moving it (same device) is not host-checked, a new device is.
      SwitchConfig moved = ConfigEdits.withPortGroup(withVm, "vm", "v20");
      var opening = ControlPlane.opening(withVm, moved);
      assertTrue(!opening.test("vm") && !opening.test("a") && !opening.test("b"));
      ConfigValidator.validate(moved, opening);
      SwitchConfig elsewhere =
          edit(y -> y.replace("fdb:", vm.replace("busy.sock", "free.sock") + "fdb:"));
      assertTrue(ControlPlane.opening(withVm, elsewhere).test("vm"), "a new socket is opened");
      assertThrows(ConfigException.class, () -> ConfigValidator.validate(withVm));
    }
  }
}
