package io.vswitch.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.testing.Cli;
import io.vswitch.control.testing.HostCli;
import io.vswitch.control.testing.NetnsHost;
import io.vswitch.control.testing.OverlayLab;
import io.vswitch.control.testing.SwitchProcess;
import io.vswitch.control.testing.TcpPeers;
import io.vswitch.control.testing.Underlay;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.stats.PortCounter;
import io.vswitch.dataplane.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two switch processes as two hosts, their VTEPs joined by an underlay veth pair (AF_XDP on both
 * ends), and two segments across them with the same VNI, the same guest addresses and one VLAN
 * each: blue over VXLAN, gblue over Geneve (RFC 8926). The VMs keep the kernel's default offloads,
 * with their MTU at the segments' 1450. Nothing of one segment reaches the other's VMs.
 *
 * <pre>
 *   av 10.62.0.1 (blue, VXLAN 5001)   --+                                  +-- bv 10.62.0.2
 *                                       switch A, VTEP 192.0.2.21 == underlay == VTEP .22, switch B
 *   ag 10.62.0.1 (gblue, Geneve 5001) --+                                  +-- bg 10.62.0.2
 * </pre>
 */
class GeneveTwoHostsTest {
  static final String AV_MAC = "02:00:00:62:00:01";
  static final String AG_MAC = "02:00:00:62:01:01";
  static final String BV_MAC = "02:00:00:62:00:02";
  static final String BG_MAC = "02:00:00:62:01:02";

  /** Port slots: vm, gvm, up, then the tunnels in segment order (blue's, gblue's). */
  static final int UPLINK = 2;

  static final int BLUE_TUNNEL = 3;
  static final int GBLUE_TUNNEL = 4;

  private static final String CONFIG =
      """
      workers: {cores: [-1], idle: backoff}
      eal: {hugepages: "off"}   # AF_XDP needs none; two switches must not race others for them
      port-groups:
        - {name: web, vlan: {mode: access, id: 100}}
        - {name: gweb, vlan: {mode: access, id: 200}}
        - {name: underlay, vlan: {mode: access, id: 1}}
      ports:
        - {name: vm, type: afxdp, iface: %s, port-group: web}
        - {name: gvm, type: afxdp, iface: %s, port-group: gweb}
        - {name: up, type: afxdp, iface: %s, port-group: underlay}
      overlay:
        vtep: {port: up, address: %s/24}
        segments:
          - {name: blue, vni: 5001, port-groups: [web], remote-vteps: [%s]}
          - {name: gblue, vni: 5001, encapsulation: geneve, port-groups: [gweb],
             remote-vteps: [%s]}
      """;

  @TempDir Path dir;
  private OverlayLab lab;
  private NetnsHost av;
  private NetnsHost ag;
  private NetnsHost bv;
  private NetnsHost bg;
  private SwitchProcess swA;
  private SwitchProcess swB;

  @BeforeEach
  void network() {
    lab = new OverlayLab(dir, "gn");
    Underlay underlay = lab.underlay();
    av = lab.vm("av", "10.62.0.1/24", AV_MAC);
    ag = lab.vm("ag", "10.62.0.1/24", AG_MAC);
    bv = lab.vm("bv", "10.62.0.2/24", BV_MAC);
    bg = lab.vm("bg", "10.62.0.2/24", BG_MAC);
    swA = lab.start("A", config(av, ag, underlay.a(), "192.0.2.21", "192.0.2.22"));
    swB = lab.start("B", config(bv, bg, underlay.b(), "192.0.2.22", "192.0.2.21"));
    swA.awaitRunning();
    swB.awaitRunning();
    for (NetnsHost vm : List.of(ag, av)) {
      Await.until(
          "a VM to reach its peer across the two hosts:\n" + swA.output() + "\n" + swB.output(),
          Duration.ofSeconds(60),
          () -> vm.ping("10.62.0.2", 1));
    }
  }

  private static String config(
      NetnsHost vm, NetnsHost gvm, String underlay, String local, String remote) {
    return CONFIG.formatted(
        vm.switchInterface(), gvm.switchInterface(), underlay, local, remote, remote);
  }

  @AfterEach
  void tearDown() {
    if (lab != null) {
      lab.close();
    }
  }

  private Cli.Result ctl(String host, String... args) {
    return HostCli.ctl(lab.home(host), args);
  }

  /** The first line of {@code vswitchctl overlay} on {@code host} for segment {@code name}. */
  private String segmentLine(String host, String name) {
    Cli.Result r = ctl(host, "overlay");
    assertEquals(0, r.code(), r.err());
    return r.out()
        .lines()
        .filter(l -> l.startsWith(name + " "))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " not in\n" + r.out()));
  }

  /**
   * The ARP and ICMP frames {@code vm} captures while {@code traffic} runs that are neither its own
   * ({@code mac}) nor its segment peer's ({@code peer}).
   */
  private static String foreign(NetnsHost vm, String mac, String peer, Runnable traffic) {
    return vm.captureText(
        "( icmp or arp ) and not ether src " + mac + " and not ether src " + peer, "", traffic);
  }

  @Test
  void aGeneveAndAVxlanSegmentWithTheSameVniAndAddressesCarryNothingOfEachOther() {
    // Fresh ARP both sides, so each segment's broadcasts cross too.
    for (NetnsHost vm : List.of(av, ag, bv, bg)) {
      assertEquals(0, vm.exec("ip", "neigh", "flush", "all"));
    }
    // While Geneve's VMs talk (ARP, then pings both ways), VXLAN's see nothing of theirs; and the
    // reverse. What a VM captures but its own and its own peer's frames is cross-talk.
    String atBv =
        foreign(bv, BV_MAC, AV_MAC, () -> assertTrue(ag.ping("10.62.0.2", 5), "ag to bg"));
    assertEquals("", atBv, "gblue's traffic at blue's remote VM");
    String atAv =
        foreign(av, AV_MAC, BV_MAC, () -> assertTrue(bg.ping("10.62.0.1", 5), "bg to ag"));
    assertEquals("", atAv, "gblue's traffic at blue's local VM");
    String atBg =
        foreign(bg, BG_MAC, AG_MAC, () -> assertTrue(av.ping("10.62.0.2", 5), "av to bv"));
    assertEquals("", atBg, "blue's traffic at gblue's remote VM");
    String atAg =
        foreign(ag, AG_MAC, BG_MAC, () -> assertTrue(bv.ping("10.62.0.1", 5), "bv to av"));
    assertEquals("", atAg, "blue's traffic at gblue's local VM");
    // And each segment's own frames do arrive (the filter is not what keeps the others out).
    String own =
        bg.captureText(
            "icmp and ether src " + AG_MAC, "", () -> assertTrue(ag.ping("10.62.0.2", 3)));
    assertEquals(3, own.lines().count(), own);

    // The Geneve VM sees plain frames from its peer's own MAC: the outer headers are gone.
    String plain = ag.captureText("icmp", "-e", () -> ag.ping("10.62.0.2", 3));
    assertEquals(
        3,
        plain
            .lines()
            .filter(
                l ->
                    l.contains(BG_MAC + " > " + AG_MAC)
                        && l.contains("10.62.0.2 > 10.62.0.1: ICMP echo reply"))
            .count(),
        plain);

    // Each segment learned its own peer's MAC behind its own tunnel port, never the other's.
    for (String[] host : new String[][] {{"A", BV_MAC, BG_MAC}, {"B", AV_MAC, AG_MAC}}) {
      String blue = segmentLine(host[0], "blue");
      String gblue = segmentLine(host[0], "gblue");
      assertTrue(blue.contains(host[1]) && !blue.contains(host[2]), blue);
      assertTrue(gblue.contains(host[2]) && !gblue.contains(host[1]), gblue);
      assertTrue(gblue.contains("g:5001") && blue.contains(" 5001 "), gblue + "\n" + blue);
      Cli.Result fdb = ctl(host[0], "dump-fdb");
      String remote = host[0].equals("A") ? "192.0.2.22" : "192.0.2.21";
      assertTrue(
          fdb.out()
              .lines()
              .anyMatch(l -> l.contains(host[2]) && l.contains("geneve.gblue." + remote)),
          fdb.out());
      assertTrue(
          fdb.out()
              .lines()
              .anyMatch(l -> l.contains(host[1]) && l.contains("vxlan.blue." + remote)),
          fdb.out());
    }
    Cli.Result overlay = ctl("A", "overlay");
    assertTrue(overlay.out().contains("udp 4789, geneve 6081"), overlay.out());
    for (SwitchProcess sw : List.of(swA, swB)) {
      assertTrue(sw.counter(GBLUE_TUNNEL, PortCounter.RX_PACKETS) >= 13, "gblue's rx");
      assertTrue(sw.counter(GBLUE_TUNNEL, PortCounter.TX_PACKETS) >= 13, "gblue's tx");
      assertTrue(sw.counter(BLUE_TUNNEL, PortCounter.RX_PACKETS) >= 10, "blue's rx");
      for (DropReason r :
          List.of(
              DropReason.VXLAN_UNKNOWN_VNI,
              DropReason.VXLAN_UNKNOWN_VTEP,
              DropReason.VXLAN_BAD_HEADER,
              DropReason.VXLAN_TRUNCATED,
              DropReason.VTEP_NOT_VXLAN,
              DropReason.GENEVE_BAD_HEADER,
              DropReason.GENEVE_CONTROL,
              DropReason.GENEVE_CRITICAL_OPTION)) {
        assertEquals(0, sw.drops(UPLINK, r), r.label() + " on the uplink");
      }
    }
  }

  @Test
  void aTcpSessionWithTheKernelsDefaultOffloadsLivesAcrossTheGeneveSegment() {
    // Checksums left to "the NIC", as a guest has them (veth turns TSO off itself while its peer
    // runs XDP).
    assertTrue(ag.offload("tx-checksumming").startsWith("on"), ag.offload("tx-checksumming"));
    bg.background("python3", "-c", TcpPeers.ECHO_SERVER, "10.62.0.2", "5000");
    // A bulk echo first (full-sized segments, their TCP checksums left to "the NIC") ...
    String bulk = ag.output("python3", "-c", BULK, "10.62.0.2", "5000", "4").strip();
    assertEquals("ok", bulk, "4 MB echoed byte for byte across Geneve");
    // ... then a long-lived line-by-line session.
    String outcome =
        ag.output("python3", "-c", TcpPeers.SESSION, "10.62.0.2", "5000", "0", "4").strip();
    assertTrue(TcpPeers.lines(outcome) >= 40, outcome);
    assertTrue(swB.counter(GBLUE_TUNNEL, PortCounter.RX_PACKETS) >= 1000, "over the Geneve port");
  }

  /** Sends argv[3] MB to an echo server, reading the echo as it goes; "ok" when it all matches. */
  private static final String BULK =
      """
      import random, socket, sys, threading, time
      data = random.Random(11).randbytes(int(sys.argv[3]) * 1048576)
      for attempt in range(40):
          try:
              s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
              break
          except OSError:
              time.sleep(0.25)
      s.settimeout(30)
      def send():
          s.sendall(data)
          s.shutdown(socket.SHUT_WR)
      threading.Thread(target=send, daemon=True).start()
      got = bytearray()
      while len(got) < len(data):
          part = s.recv(65536)
          if not part:
              break
          got += part
      print("ok" if bytes(got) == data else "bad: %d of %d bytes" % (len(got), len(data)))
      """;

  @Test
  void aSegmentsEncapsulationChangesLiveAndItsTunnelIsRenamedAndReopened() throws Exception {
    // gblue to VXLAN on its VNI 5001: blue has it over VXLAN, so refused in one line.
    Path changed = dir.resolve("changed.yaml");
    String a = Files.readString(lab.home("A").resolve("switch.yaml"));
    Files.writeString(changed, a.replace("encapsulation: geneve", "encapsulation: vxlan"));
    Cli.Result refused = ctl("A", "apply", changed.toString());
    assertTrue(refused.code() != 0, refused.out());
    assertTrue(
        refused.err().contains("VXLAN VNI 5001 is already another segment's"), refused.err());
    assertTrue(ag.ping("10.62.0.2", 2), "gblue still forwards over Geneve");

    // Over VXLAN on 5002 on both hosts: its tunnel is now vxlan.gblue.*, and it forwards again.
    for (String host : List.of("A", "B")) {
      String config = Files.readString(lab.home(host).resolve("switch.yaml"));
      Files.writeString(
          changed,
          config.replace(
              "{name: gblue, vni: 5001, encapsulation: geneve,",
              "{name: gblue, vni: 5002, encapsulation: vxlan,"));
      Cli.Result applied = ctl(host, "apply", changed.toString());
      assertEquals(0, applied.code(), applied.err());
    }
    Await.until("gblue over VXLAN", Duration.ofSeconds(30), () -> ag.ping("10.62.0.2", 1));
    assertTrue(av.ping("10.62.0.2", 3), "blue forwarded on");
    Cli.Result overlay = ctl("B", "overlay");
    assertTrue(
        overlay.out().lines().anyMatch(l -> l.startsWith("gblue ") && l.contains(" 5002 ")),
        overlay.out());
    Cli.Result ports = ctl("B", "dump-fdb");
    assertTrue(
        ports.out().lines().anyMatch(l -> l.contains(AG_MAC) && l.contains("vxlan.gblue.")),
        ports.out());
    assertTrue(ports.out().lines().noneMatch(l -> l.contains("geneve.")), "no Geneve tunnel left");
  }
}
