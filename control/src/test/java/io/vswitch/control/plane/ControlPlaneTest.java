package io.vswitch.control.plane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.SwitchLauncher;
import io.vswitch.control.config.ConfigException;
import io.vswitch.control.config.ConfigLoader;
import io.vswitch.control.config.ConfigValidator;
import io.vswitch.control.config.Confinement;
import io.vswitch.control.config.HostileConfigs;
import io.vswitch.control.config.SwitchConfig;
import io.vswitch.control.testing.NetnsHost;
import io.vswitch.dataplane.port.Port;
import io.vswitch.dataplane.testing.TestEal;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
  void aMirrorIsAddedAndRemovedLiveAndJournaled() {
    String mirror =
        "  - {name: c, devargs: \"net_null_%sc,no-rx=1\", port-group: v10}\n".formatted(tag)
            + "mirrors: [{name: tap, sources: [a], direction: both, destination: c}]\n";
    SwitchConfig withMirror = edit(y -> y.replace("fdb: {static", mirror + "fdb: {static"));
    assertEquals(1, plane.apply(withMirror, "test", "mirror a to c").sequence());
    int a = running.runtime().port("a").index();
    int c = running.runtime().port("c").index();
    assertTrue(running.l2().tables().isMirrorDestination(c));
    assertEquals(1L << a, running.l2().tables().mirroredEgress());
    assertTrue(!running.l2().tables().carries(c, 10), "c takes no normal traffic now");
    assertTrue(journal.history().get(0).config().contains("\"mirrors\""));

    SwitchConfig without =
        edit(y -> y.replace("fdb: {static", mirror.lines().findFirst().get() + "\nfdb: {static"));
    plane.apply(without, "test", "stop mirroring");
    assertTrue(!running.l2().tables().isMirrorDestination(c));
    assertEquals(0, running.l2().tables().mirroredEgress());
    assertTrue(running.l2().tables().carries(c, 10), "c is an ordinary member again");
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
  void aPortLeavingIsToldWithItsLastPolicyOnlyWhenItLeavesForGood() {
    List<String> told = new java.util.ArrayList<>();
    int a = running.runtime().port("a").index();
    plane.onPortLeaving(
        (port, index, policy) -> told.add(port.name() + "#" + index + " vlan " + policy.vlans()));
    // A device replaced is no leaving (the port stays, on its new device).
    SwitchConfig moved =
        edit(y -> y.replace("net_null_" + tag + "a,no-rx=1", "net_null_" + tag + "x,no-rx=1"));
    plane.apply(moved, "test", "new device for a");
    assertEquals(List.of(), told);
    // A port group change neither.
    plane.apply(ConfigEdits.withPortGroup(plane.running(), "a", "v20"), "test", "move a");
    assertEquals(List.of(), told);
    plane.apply(ConfigEdits.withoutPort(plane.running(), "a"), "test", "drop a");
    assertEquals(List.of("a#" + a + " vlan {20}"), told);
    // A listener that fails does not keep the port.
    plane.onPortLeaving(
        (port, index, policy) -> {
          throw new IllegalStateException("listener bug");
        });
    SwitchConfig withC =
        ConfigEdits.withPort(
            plane.running(),
            ConfigJson.read(
                "{\"name\":\"c\",\"devargs\":\"net_null_" + tag + "c,no-rx=1\"}",
                SwitchConfig.Port.class,
                "port"));
    plane.apply(withC, "test", "add c");
    plane.apply(ConfigEdits.withoutPort(plane.running(), "c"), "test", "drop c");
    assertEquals(List.of("b"), portNames());
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
            y -> y.replace("fdb: {", "fdb: {capacity: 4096, "), // fdb capacity: restart only
            y -> y + "conntrack: {capacity: 4096}\n", // conntrack capacity: restart only
            y -> // the first ct-state rule: the table is made at start only
            y.replace("id: 10}}", "id: 10}, acl: {ingress: s}}")
                    + "acls: [{name: s, default: deny,"
                    + " rules: [{priority: 1, action: allow, ct-state: [established]}]}]\n");
    for (UnaryOperator<String> change : bad) {
      SwitchConfig desired = edit(change);
      assertThrows(ConfigException.class, () -> plane.apply(desired, "test", "bad"));
      assertEquals(before, plane.running());
      assertEquals(List.of("a", "b"), portNames());
    }
    assertEquals(0, journal.history().size());
  }

  @Test
  void theIpfixSectionNeedsARestartButAGroupsIpfixSwitchIsLive() {
    String section = "ipfix: {collectors: [{address: 127.0.0.1, port: 47199}], cache-size: 1024}\n";
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> plane.apply(edit(y -> y + section), "test", "add ipfix"),
            "no flow caches were made at start");
    assertTrue(e.getMessage().startsWith("the ipfix section (flow caches)"), e.getMessage());
    assertNull(running.l2().flowExport());

    // A switch started with the section: its ports' flow export goes on and off live.
    SwitchConfig start = ConfigValidator.validate(edit(y -> y.replace(tag, tag + "x") + section));
    SwitchLauncher.Running other = SwitchLauncher.open(start, dir.resolve("counters-x"));
    try (Journal j = new Journal(dir.resolve("journal-x"))) {
      other.runtime().start();
      ControlPlane p = new ControlPlane(start, other.runtime(), other.l2(), j);
      int a = other.runtime().port("a").index();
      assertEquals(1, other.l2().flowExport().workers());
      assertTrue(!features(other, a).contains(io.vswitch.dataplane.l2.Feature.FLOW_EXPORT));
      SwitchConfig on =
          ConfigLoader.parse(
              ConfigJson.write(start)
                  .replace("\"name\":\"v10\",", "\"name\":\"v10\",\"ipfix\":true,"),
              "on");
      assertTrue(on.portGroups().get(0).ipfix(), ConfigJson.write(start));
      p.apply(on, "test", "ipfix on for v10");
      assertTrue(features(other, a).contains(io.vswitch.dataplane.l2.Feature.FLOW_EXPORT));
      int b = other.runtime().port("b").index();
      assertTrue(!features(other, b).contains(io.vswitch.dataplane.l2.Feature.FLOW_EXPORT));
      ConfigException size =
          assertThrows(
              ConfigException.class,
              () ->
                  p.apply(
                      ConfigLoader.parse(
                          ConfigJson.write(on)
                              .replace("\"cache-size\":1024", "\"cache-size\":2048"),
                          "size"),
                      "test",
                      "bigger cache"));
      assertTrue(
          size.getMessage().startsWith("ipfix.cache-size take effect at restart"),
          size.getMessage());
      p.apply(start, "test", "ipfix off");
      assertTrue(!features(other, a).contains(io.vswitch.dataplane.l2.Feature.FLOW_EXPORT));
    } finally {
      other.runtime().close();
      other.close();
    }
  }

  private static List<io.vswitch.dataplane.l2.Feature> features(
      SwitchLauncher.Running r, int port) {
    return List.of(r.l2().tables().features(port));
  }

  @Test
  void theFirstCtStateRuleNeedsARestartAndSaysSo() {
    SwitchConfig desired =
        edit(
            y ->
                y.replace("id: 10}}", "id: 10}, acl: {ingress: s}}")
                    + "acls: [{name: s, default: deny,"
                    + " rules: [{priority: 1, action: allow, ct-state: [established]}]}]\n");
    ConfigException e =
        assertThrows(ConfigException.class, () -> plane.apply(desired, "test", "stateful"));
    assertTrue(
        e.getMessage().startsWith("ct-state rules need the conntrack table"), e.getMessage());
    assertNull(running.l2().conntrack(), "started without ct-state rules: no table");
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
   * A change adds an afpacket port on a veth and a port DPDK refuses: neither opens, and the first
   * one's XDP link (readied before it opened) goes too, so the veth's peer gets its TSO back.
   */
  @Test
  void aRefusedChangeTakesBackTheXdpLinkOfAPortItReadied() throws Exception {
    if (!NetnsHost.available()) {
      return;
    }
    try (NetnsHost host =
        NetnsHost.createWithDefaultOffloads(
            "cp" + (ProcessHandle.current().pid() % 1000) + "xr", "10.95.2.1/24")) {
      String veth = host.switchInterface();
      SwitchConfig desired =
          edit(
              y ->
                  y.replace(
                      "fdb:",
                      "  - {name: c, type: afpacket, iface: "
                          + veth
                          + ", port-group: v10}\n"
                          + "  - {name: d, devargs: net_nosuchdriver7}\nfdb:"));
      assertThrows(ApplyException.class, () -> plane.apply(desired, "test", "one bad device"));
      assertEquals(List.of("a", "b"), portNames());
      assertEquals("on", host.offload("tcp-segmentation-offload"), "the peer has TSO back");
      assertTrue(!host.switchSideHasXdp(), "no XDP program left on " + veth);
    }
  }

  /** The hostile inputs of a file, as a request body: parsed, applied, refused, nothing changed. */
  @Test
  void hostileConfigsAreRefusedThroughTheLivePathWithNothingChanged() {
    SwitchConfig before = plane.running();
    for (HostileConfigs.Case hostile : HostileConfigs.cases()) {
      ConfigException e =
          assertThrows(
              ConfigException.class,
              () ->
                  plane.apply(
                      ConfigJson.read(
                          ConfigLoader.text(hostile.input(), "request body"), "request body"),
                      "api",
                      "hostile"),
              hostile.name());
      assertEquals(hostile.expected("request body"), e.getMessage(), hostile.name());
      assertEquals(before, plane.running());
      assertEquals(List.of("a", "b"), portNames());
    }
    assertEquals(0, journal.history().size());
  }

  /**
   * A token holder's change reaches only the allowed directories: no raw devargs, no file or socket
   * outside them, by {@code ..}, a symlinked file or a symlinked directory; ports the startup
   * config gave (raw devargs here) stay as they are; a capture inside the confines is applied.
   */
  @Test
  void confinedChangesReachOnlyTheAllowedDirectories() throws IOException {
    Path sockets = Files.createDirectories(dir.resolve("sockets"));
    Path captures = Files.createDirectories(dir.resolve("captures"));
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Files.writeString(outside.resolve("secret"), "not a capture");
    Files.createSymbolicLink(captures.resolve("link.pcap"), outside.resolve("secret"));
    Files.createSymbolicLink(captures.resolve("escape"), outside);
    ControlPlane confined =
        new ControlPlane(
            plane.running(),
            running.runtime(),
            running.l2(),
            journal,
            Confinement.of(List.of(sockets), List.of(captures), false));
    String c = "c" + tag;
    String raw =
        "port '%s': raw devargs are refused through the API (the daemon was not started with"
            + " --allow-raw-devargs); use a typed port (type: ...)";
    String out = "port '%s': %s '%s' is outside the allowed directories [%s] (the daemon's %s)";
    Map<String, String> bad = new LinkedHashMap<>();
    bad.put("{name: " + c + ", devargs: \"net_null_" + c + ",no-rx=1\"}", raw.formatted(c));
    bad.put(
        "{name: " + c + ", type: pcap-file, tx-file: " + outside.resolve("out.pcap") + "}",
        out.formatted(c, "tx-file", outside.resolve("out.pcap"), captures, "--capture-dir"));
    bad.put(
        "{name: " + c + ", type: pcap-file, rx-file: " + outside.resolve("secret") + "}",
        out.formatted(c, "rx-file", outside.resolve("secret"), captures, "--capture-dir"));
    bad.put(
        "{name: " + c + ", type: pcap-file, tx-file: " + captures + "/../outside/x.pcap}",
        "port '" + c + "': tx-file '" + captures + "/../outside/x.pcap': '..' is not allowed");
    bad.put(
        "{name: " + c + ", type: pcap-file, rx-file: " + captures.resolve("link.pcap") + "}",
        "port '" + c + "': rx-file '" + captures.resolve("link.pcap") + "' is a symbolic link");
    bad.put(
        "{name: " + c + ", type: pcap-file, tx-file: " + captures.resolve("escape/x.pcap") + "}",
        out.formatted(c, "tx-file", captures.resolve("escape/x.pcap"), captures, "--capture-dir"));
    bad.put(
        "{name: " + c + ", type: pcap-file, tx-file: x.pcap}",
        "port '" + c + "': tx-file 'x.pcap' must be an absolute path");
    bad.put(
        "{name: " + c + ", type: vhost-user, socket: " + outside.resolve("v.sock") + "}",
        out.formatted(c, "socket", outside.resolve("v.sock"), sockets, "--socket-dir"));
    Path victim = Files.writeString(sockets.resolve("victim"), "a file, not a socket");
    bad.put(
        "{name: " + c + ", type: vhost-user, socket: " + victim + "}",
        "port '" + c + "': " + victim + " exists and is not a socket: choose another path");
    SwitchConfig before = confined.running();
    for (var entry : bad.entrySet()) {
      SwitchConfig desired = edit(y -> y.replace("fdb:", "  - " + entry.getKey() + "\nfdb:"));
      ConfigException e =
          assertThrows(ConfigException.class, () -> confined.apply(desired, "api", "bad"));
      assertEquals(entry.getValue(), e.getMessage());
      assertEquals(before, confined.running());
      assertEquals(List.of("a", "b"), portNames());
    }
    SwitchConfig alteredRaw = edit(y -> y.replace(tag + "a,no-rx=1", tag + "a,no-rx=1,size=64"));
    ConfigException e =
        assertThrows(ConfigException.class, () -> confined.apply(alteredRaw, "api", "bad"));
    assertEquals(raw.formatted("a"), e.getMessage());
    assertEquals(List.of("not a capture"), Files.readAllLines(outside.resolve("secret")));
    assertEquals(List.of("secret"), listNames(outside));
    assertEquals("a file, not a socket", Files.readString(victim));
    assertEquals(0, journal.history().size());

    Path capture = captures.resolve("c.pcap");
    confined.apply(
        edit(
            y ->
                y.replace(
                    "fdb:",
                    "  - {name: " + c + ", type: pcap-file, tx-file: " + capture + "}\nfdb:")),
        "api",
        "capture inside the confines");
    assertEquals(List.of("a", "b", c), portNames());
    assertEquals(1, journal.history().size());
  }

  private static List<String> listNames(Path dir) throws IOException {
    try (var files = Files.list(dir)) {
      return files.map(f -> f.getFileName().toString()).sorted().toList();
    }
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

  /**
   * A killed switch leaves its vhost-user server socket behind, and DPDK will not bind over it.
   * Every moment a device opens clears such a socket ({@code PortPreparation}), a device replaced
   * live too: here a port moves to a path a dead switch left, and the change applies with the
   * socket served again.
   */
  @Test
  void aDeviceReplacedOnToAStaleVhostSocketOpensAndServesIt() throws Exception {
    Path stale = dir.resolve("stale.sock");
    try (var dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      dead.bind(UnixDomainSocketAddress.of(stale)); // closed below: the file stays, nobody listens
    }
    assertTrue(Files.exists(stale));
    String vm =
        "  - {name: vm, type: vhost-user, socket: "
            + dir.resolve("first.sock")
            + ", port-group: v10}\n";
    plane.apply(edit(y -> y.replace("fdb:", vm + "fdb:")), "test", "add vm");
    plane.apply(
        edit(y -> y.replace("fdb:", vm.replace("first.sock", "stale.sock") + "fdb:")),
        "test",
        "vm onto the socket a dead switch left");
    assertEquals(List.of("a", "b", "vm"), portNames());
    try (var client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      assertTrue(client.connect(UnixDomainSocketAddress.of(stale)), "the socket is served");
    }
  }
}
