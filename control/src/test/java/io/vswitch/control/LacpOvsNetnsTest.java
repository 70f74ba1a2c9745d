package io.vswitch.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.testing.Cli;
import io.vswitch.control.testing.NetnsHost;
import io.vswitch.control.testing.OvsLacpPeer;
import io.vswitch.control.testing.SwitchProcess;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.stats.PortCounter;
import io.vswitch.dataplane.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LACP against a real partner: Open vSwitch's userspace bond ({@code lacp=active}, netdev datapath,
 * private to the test: {@link OvsLacpPeer}) over two veth links to the switch's LACP team (AF_XDP
 * members), a VM namespace (kernel default offloads) on an access port of the switch, OVS's br0 as
 * the host behind the bond.
 *
 * <pre>
 *   vm 10.79.0.1 --- [vm1] switch [lag: nic0, nic1] ==== bond0 OVS br0 10.79.0.254
 * </pre>
 */
class LacpOvsNetnsTest {
  private static final String BR0 = "10.79.0.254";

  @TempDir Path dir;
  private OvsLacpPeer ovs;
  private NetnsHost vm;
  private SwitchProcess sw;

  @BeforeAll
  static void needsNamespacesAndOvs() {
    Assumptions.assumeTrue(NetnsHost.available(), "needs root and iproute2");
    String why = OvsLacpPeer.unavailable();
    Assumptions.assumeTrue(why == null, why);
  }

  private static String tag() {
    return Long.toString(ProcessHandle.current().pid() % 1000);
  }

  private void start(String ovsMode, String lacp) throws Exception {
    Path ovsDir = Files.createDirectories(dir.resolve("ovs"));
    ovs = OvsLacpPeer.start(ovsDir, tag(), ovsMode, BR0 + "/24");
    vm = NetnsHost.createWithDefaultOffloads("lacp" + tag() + "v", "10.79.0.1/24");
    String config =
        """
        workers: {cores: [-1], idle: backoff}
        port-groups:
          - {name: v79, vlan: {mode: access, id: 79}}
        ports:
          - {name: vm1, type: afxdp, iface: %s, port-group: v79}
          - {name: nic0, type: afxdp, iface: %s}
          - {name: nic1, type: afxdp, iface: %s}
        teams:
          - {name: lag, members: [nic0, nic1], port-group: v79, lacp: %s}
        """
            .formatted(vm.switchInterface(), ovs.switchInterface(0), ovs.switchInterface(1), lacp);
    sw =
        SwitchProcess.start(dir, config, "--state-dir", dir.resolve("state").toString())
            .awaitRunning();
  }

  @AfterEach
  void tearDown() {
    if (sw != null) {
      sw.output().lines().filter(l -> l.contains("team ")).forEach(System.out::println);
      sw.close();
    }
    if (vm != null) {
      vm.close();
    }
    if (ovs != null) {
      ovs.log()
          .lines()
          .filter(l -> l.contains("|bond|") || l.contains("|lacp|"))
          .forEach(l -> System.out.println("ovs: " + l));
      ovs.close();
      assertTrue(
          !Files.exists(Path.of("/var/run/netns", ovs.namespace())), "OVS's namespace is removed");
      for (int i = 0; i < 2; i++) {
        assertTrue(!Files.exists(Path.of("/sys/class/net", ovs.switchInterface(i))));
      }
    }
  }

  private Cli.Result ctl(String... args) {
    return Cli.run(List.of("--state-dir", dir.resolve("state").toString()), args);
  }

  /** The switch's system ID: its first member's MAC, the root end of bond link 0. */
  private String switchSystemId() throws Exception {
    return Files.readString(Path.of("/sys/class/net", ovs.switchInterface(0), "address")).trim();
  }

  private static final Pattern MEMBER =
      Pattern.compile("(?m)^\\s+(nic\\d)\\s+receive (\\S+)\\s+mux (\\S+)");

  /** Each member's "receive mux" in the switch's team listing. */
  private String muxes() {
    String status = ctl("team-status").out();
    StringBuilder b = new StringBuilder();
    Matcher m = MEMBER.matcher(status);
    while (m.find()) {
      b.append(m.group(1))
          .append('=')
          .append(m.group(2))
          .append('/')
          .append(m.group(3))
          .append(' ');
    }
    return b.toString().trim();
  }

  private static final String BOTH_AGGREGATED =
      "nic0=CURRENT/COLLECTING_DISTRIBUTING nic1=CURRENT/COLLECTING_DISTRIBUTING";

  /** OVS's lacp/show: both members current and attached, each partner being the switch. */
  private boolean ovsAggregatedWithUs(String systemId) {
    String show = ovs.lacpShow();
    return show.contains("status: ")
        && count(show, "member: " + "lacp", ": current attached") == 2
        && count(show, "partner state:", "timeout aggregation synchronized collecting distributing")
            == 2;
  }

  private static int count(String text, String prefix, String suffix) {
    int n = 0;
    for (String line : text.lines().toList()) {
      String l = line.trim();
      if (l.startsWith(prefix) && l.endsWith(suffix)) {
        n++;
      }
    }
    return n;
  }

  private void awaitAggregated(String systemId) {
    try {
      Await.until(
          "both links aggregated on both sides",
          Duration.ofSeconds(40),
          () -> muxes().equals(BOTH_AGGREGATED) && ovsAggregatedWithUs(systemId));
    } catch (AssertionError e) {
      throw new AssertionError(
          e.getMessage() + "\n" + ctl("team-status").out() + ovs.lacpShow() + sw.output(), e);
    }
  }

  @Test
  void negotiatesWithOvsCarriesPingAndTcpSurvivesALinkCutAndReaggregates() throws Exception {
    start("active", "{mode: active, rate: fast}");
    String us = switchSystemId();
    awaitAggregated(us);
    String status = ctl("team-status").out();
    String ovsId = ovs.systemId();
    assertTrue(status.contains("partner system 65534/" + ovsId), status);
    assertTrue(status.contains("lacp active  rate fast  system 32768/" + us), status);
    assertTrue(
        status.contains(
            "state activity,timeout,aggregation,synchronization,collecting,distributing"),
        status);
    System.out.println(ovs.lacpShow());
    System.out.println(status);

    assertTrue(vm.ping(BR0, 5), "the VM reaches the host behind OVS over the aggregate");
    // TCP with the kernel's default offloads on the VM (checksum left to "the NIC", GSO).
    CompletableFuture<String> server =
        CompletableFuture.supplyAsync(() -> ovs.output("iperf3", "-s", "-1", "-B", BR0));
    Thread.sleep(500);
    String client = vm.output("iperf3", "-c", BR0, "-t", "2", "-J");
    server.join();
    Matcher sum =
        Pattern.compile("\"sum_received\"\\s*:\\s*\\{[^}]*?\"bytes\"\\s*:\\s*([0-9]+)")
            .matcher(client);
    assertTrue(sum.find(), "iperf3 gave no result: " + client);
    long received = Long.parseLong(sum.group(1));
    System.out.printf("TCP over the aggregate (default offloads): %d bytes in 2 s%n", received);
    assertTrue(received > 1_000_000, "TCP across the aggregate: " + client);

    // Cut the member that carries our traffic to OVS, under a 10 ms ping.
    long[] txBefore = {
      sw.counter(1, PortCounter.TX_PACKETS), sw.counter(2, PortCounter.TX_PACKETS)
    };
    assertTrue(vm.ping(BR0, 3));
    long d0 = sw.counter(1, PortCounter.TX_PACKETS) - txBefore[0];
    long d1 = sw.counter(2, PortCounter.TX_PACKETS) - txBefore[1];
    int cut = d0 >= d1 ? 0 : 1;
    CompletableFuture<String> ping =
        CompletableFuture.supplyAsync(
            () -> vm.output("ping", "-D", "-n", "-i", "0.01", "-W", "1", "-c", "1500", BR0));
    Thread.sleep(1000);
    long cutAt = System.nanoTime();
    ovs.link(cut, false);
    String pings = ping.join();
    Matcher stats =
        Pattern.compile("(\\d+) packets transmitted, (\\d+) received.*time (\\d+)ms")
            .matcher(pings);
    assertTrue(stats.find(), pings);
    int transmitted = Integer.parseInt(stats.group(1));
    int got = Integer.parseInt(stats.group(2));
    System.out.printf(
        "LACP failover (link %d of 2, the one carrying the VM's direction, cut at OVS's end): %d of"
            + " %d pings lost, %d ms at most between two replies%n",
        cut, transmitted - got, transmitted, longestGapMs(pings));
    System.out.println(ctl("counters").out() + ovs.appctl("bond/show", "bond0"));
    assertTrue(got > 0, "pings before the cut: " + pings);
    Await.until("traffic over the surviving link", Duration.ofSeconds(90), () -> vm.ping(BR0, 1));
    assertTrue(!pings.contains("DUP"), "no duplicated replies: " + pings);
    String nic = "nic" + cut;
    Await.until(
        nic + " out of the aggregate",
        Duration.ofSeconds(10),
        () -> muxes().contains(nic + "=PORT_DISABLED/DETACHED"));
    assertTrue(vm.ping(BR0, 3), "the VM still reaches OVS's host over the other link");
    assertTrue(
        sw.output().contains("team lag: member " + nic + " lacp COLLECTING_DISTRIBUTING -> "),
        sw.output());
    System.out.println("cut observed " + (System.nanoTime() - cutAt) / 1_000_000 + " ms ago");

    ovs.link(cut, true);
    awaitAggregated(us);
    // OVS's bond moves its sending back when it rebalances (seconds; "next rebalance" in its
    // bond/show), so the return of traffic is awaited, not timed.
    Await.until(
        "traffic over the re-aggregated bond", Duration.ofSeconds(90), () -> vm.ping(BR0, 1));
    String metrics = ctl("metrics").out();
    assertTrue(
        Pattern.compile("vswitch_team_lacp_member_state\\{team=\"lag\",member=\"nic0\"\\} 3")
            .matcher(metrics)
            .find(),
        metrics);
    assertTrue(
        Pattern.compile(
                "vswitch_team_lacpdus_received_total\\{team=\"lag\",member=\"nic1\"\\} [1-9]")
            .matcher(metrics)
            .find(),
        metrics);
    assertTrue(
        Pattern.compile("vswitch_team_lacpdus_sent_total\\{team=\"lag\",member=\"nic0\"\\} [1-9]")
            .matcher(metrics)
            .find(),
        metrics);
  }

  /** Which member OVS sends on now: the one our switch receives the replies of a ping on. */
  private int memberOvsSendsOn() {
    long[] before = {sw.counter(1, PortCounter.RX_PACKETS), sw.counter(2, PortCounter.RX_PACKETS)};
    assertTrue(vm.ping(BR0, 5), "the VM reaches OVS's host");
    long d0 = sw.counter(1, PortCounter.RX_PACKETS) - before[0];
    long d1 = sw.counter(2, PortCounter.RX_PACKETS) - before[1];
    return d0 >= d1 ? 0 : 1;
  }

  private static final Pattern REPLY = Pattern.compile("^\\[(\\d+\\.\\d+)\\].*icmp_seq=(\\d+) ");

  /** The longest time between two successive replies of a {@code ping -D}, in ms. */
  static long longestGapMs(String pings) {
    double last = -1;
    double gap = 0;
    for (String line : pings.lines().toList()) {
      Matcher m = REPLY.matcher(line);
      if (m.find()) {
        double t = Double.parseDouble(m.group(1));
        if (last >= 0) {
          gap = Math.max(gap, t - last);
        }
        last = t;
      }
    }
    return Math.round(gap * 1000);
  }

  /** br0's MAC, as the kernel in OVS's namespace has it. */
  private String br0Mac() {
    Matcher m =
        Pattern.compile("link/ether (\\S+)").matcher(ovs.output("ip", "link", "show", "br0"));
    assertTrue(m.find());
    return m.group(1);
  }

  /** The VM's neighbor entry for br0's address: the MAC its frames to OVS's host go to. */
  private String vmNeighborOfBr0() {
    Matcher m = Pattern.compile("lladdr (\\S+)").matcher(vm.output("ip", "neigh", "show", BR0));
    return m.find() ? m.group(1) : "none";
  }

  /** What each side does with the survivor in the outage: one line, printed per round. */
  private String sample(long cutAt, int survivor) {
    int port = survivor + 1;
    String bond =
        ovs.appctl("bond/show", "bond0")
            .lines()
            .filter(l -> l.startsWith("member ") || l.contains("active member mac"))
            .map(String::strip)
            .reduce((x, y) -> x + "; " + y)
            .orElse("");
    String flows =
        ovs.appctl("dpctl/dump-flows", "netdev@ovs-netdev")
            .lines()
            .filter(l -> l.contains("eth_type(0x0800)"))
            .map(
                l -> l.replaceAll(".*(in_port\\(\\d+\\)).*(eth\\([^)]*\\)).*actions:", "$1 $2 -> "))
            .toList()
            .toString();
    return "t+%d ms: our nic%d rx %d, not_collecting %d, %s | OVS bond: %s | OVS IPv4 flows: %s"
        .formatted(
            (System.nanoTime() - cutAt) / 1_000_000,
            survivor,
            sw.counter(port, PortCounter.RX_PACKETS),
            sw.drops(port, DropReason.TEAM_NOT_COLLECTING),
            muxes(),
            bond,
            flows);
  }

  /**
   * The case that used to stop traffic for 3 to over 22 s: the cut link is the one OVS sends on, so
   * OVS must move its sending. Five cuts, each of the member OVS is sending on at that moment,
   * under a 10 ms ping; the window (the longest time between two replies) is printed, not asserted.
   * What is asserted: the VM resolves br0 to br0's own MAC (not a member veth's, see {@link
   * OvsLacpPeer}), the surviving member never stops collecting (no frame of it dropped as {@code
   * team_not_collecting}, its mux stays COLLECTING_DISTRIBUTING), traffic comes back over it, no
   * reply is duplicated, and the cut link re-aggregates.
   */
  @Test
  void failoverOffTheLinkOvsSendsOnMeasured() throws Exception {
    start("active", "{mode: active, rate: fast}");
    String us = switchSystemId();
    awaitAggregated(us);
    int rounds = 5;
    List<String> windows = new java.util.ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      int cut = memberOvsSendsOn();
      int survivor = 1 - cut;
      assertEquals(br0Mac(), vmNeighborOfBr0(), "the VM's frames to br0 go to br0's MAC");
      long notCollecting = sw.drops(survivor + 1, DropReason.TEAM_NOT_COLLECTING);
      CompletableFuture<String> ping =
          CompletableFuture.supplyAsync(
              () -> vm.output("ping", "-D", "-n", "-i", "0.01", "-W", "1", "-c", "800", BR0));
      Thread.sleep(1500);
      long cutAt = System.nanoTime();
      ovs.link(cut, false);
      Thread.sleep(300);
      String during = sample(cutAt, survivor);
      String pings = ping.join();
      long window = longestGapMs(pings);
      boolean back = repliesAfterTheLast(pings, 100) > 0;
      String figure = back ? window + " ms" : "over " + window + " ms (not back within the ping)";
      windows.add(figure);
      System.out.printf(
          "round %d: cut link %d (OVS sending on it), window %s%n  %s%n",
          round, cut, figure, during);
      assertTrue(!pings.contains("DUP"), "no duplicated replies: " + pings);
      Await.until("traffic over the surviving link", Duration.ofSeconds(90), () -> vm.ping(BR0, 1));
      assertEquals(
          notCollecting,
          sw.drops(survivor + 1, DropReason.TEAM_NOT_COLLECTING),
          "the survivor kept collecting: " + during);
      assertTrue(muxes().contains("nic" + survivor + "=CURRENT/COLLECTING_DISTRIBUTING"), muxes());
      ovs.link(cut, true);
      awaitAggregated(us);
      Await.until("traffic after re-aggregation", Duration.ofSeconds(90), () -> vm.ping(BR0, 1));
    }
    System.out.println(
        "LACP failover, OVS sending on the cut link (10 ms ping, longest time between replies): "
            + windows);
  }

  /** Replies among the last {@code n} sequence numbers of a ping run. */
  private static long repliesAfterTheLast(String pings, int n) {
    Matcher t = Pattern.compile("(\\d+) packets transmitted").matcher(pings);
    int transmitted = t.find() ? Integer.parseInt(t.group(1)) : 0;
    return pings
        .lines()
        .map(l -> Pattern.compile("icmp_seq=(\\d+) ").matcher(l))
        .filter(Matcher::find)
        .filter(m -> Integer.parseInt(m.group(1)) > transmitted - n)
        .count();
  }

  @Test
  void aPassiveSwitchAnswersActiveOvsAndTwoPassiveEndsFallSilent() throws Exception {
    start("active", "{mode: passive}");
    String us = switchSystemId();
    awaitAggregated(us);
    assertTrue(ctl("team-status").out().contains("lacp passive"));
    assertTrue(vm.ping(BR0, 3));
    ovs.vsctl("set", "port", "bond0", "lacp=passive");
    Await.until(
        "two passive ends stop aggregating",
        Duration.ofSeconds(30),
        () -> muxes().equals("nic0=DEFAULTED/DETACHED nic1=DEFAULTED/DETACHED"));
    assertTrue(vm.exec("ping", "-c", "3", "-i", "0.2", "-W", "1", "-q", BR0) != 0, "no traffic");
    ovs.vsctl("set", "port", "bond0", "lacp=active");
    awaitAggregated(us);
    assertTrue(vm.ping(BR0, 3));
  }

  /** Frames sent into member 0's link from OVS's end, raw, by a python AF_PACKET socket. */
  private void inject(List<String> hexFrames) throws Exception {
    Path script = dir.resolve("inject.py");
    Files.writeString(
        script,
        """
        import socket, sys
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((sys.argv[1], 0))
        for h in sys.argv[2:]:
            s.send(bytes.fromhex(h))
        """);
    List<String> cmd =
        new java.util.ArrayList<>(List.of("python3", script.toString(), ovs.ovsInterface(0)));
    cmd.addAll(hexFrames);
    assertEquals(0, ovs.exec(cmd.toArray(String[]::new)));
  }

  @Test
  void craftedLacpdusInjectedOnAMemberAreCountedAndChangeNothingAndAMarkerIsAnswered()
      throws Exception {
    start("active", "{}");
    String us = switchSystemId();
    awaitAggregated(us);
    String usHex = us.replace(":", "");
    String ovsHex = ovs.systemId().replace(":", "");
    // A well-formed LACPDU from OVS's system, then damaged copies of it.
    String good =
        "0180c2000002"
            + "020000000077"
            + "8809"
            + "0101"
            + "0114"
            + "fffe"
            + ovsHex
            + "0001"
            + "ffff"
            + "0002"
            + "3f"
            + "000000"
            + "0214"
            + "8000"
            + usHex
            + "0001"
            + "00ff"
            + "0001"
            + "3f"
            + "000000"
            + "0310"
            + "0000"
            + "00".repeat(12)
            + "0000"
            + "00".repeat(50);
    assertEquals(248, good.length());
    List<String> crafted =
        List.of(
            good.substring(0, 200), // short
            good + "00".repeat(100), // long
            good.substring(0, 30) + "02" + good.substring(32), // version 2
            good.substring(0, 28) + "02" + good.substring(30), // subtype 2 (Marker)
            good.substring(0, 34) + "13" + good.substring(36), // actor TLV length 19
            good.substring(0, 74) + "15" + good.substring(76), // partner TLV length 21
            good.substring(0, 114) + "11" + good.substring(116), // collector TLV length 17
            good.substring(0, 144) + "0101" + good.substring(148), // terminator TLV 1/1
            good.substring(0, 24) + "8100004f8809" + good.substring(28), // tagged
            // our own system as the actor: looped back
            good.substring(0, 40) + usHex + good.substring(52));
    long failoversBefore = failovers();
    String logBefore = sw.output();
    for (int round = 0; round < 20; round++) {
      inject(crafted);
      assertEquals(BOTH_AGGREGATED, muxes(), "round " + round);
    }
    Thread.sleep(500);
    assertEquals(BOTH_AGGREGATED, muxes());
    assertEquals(failoversBefore, failovers(), "the team never flapped");
    assertEquals(
        logBefore.lines().filter(l -> l.contains(" lacp ")).count(),
        sw.output().lines().filter(l -> l.contains(" lacp ")).count(),
        "no mux moved: " + sw.output());
    String status = ctl("team-status").out();
    Matcher nic0 =
        Pattern.compile(
                "nic0\\s+receive \\S+\\s+mux \\S+\\s+lacpdus rx (\\d+) tx \\d+ bad (\\d+) looped (\\d+)")
            .matcher(status);
    assertTrue(nic0.find(), status);
    assertEquals(
        9 * 20, Integer.parseInt(nic0.group(2)), "each malformed frame counted: " + status);
    assertEquals(20, Integer.parseInt(nic0.group(3)), "each looped frame counted: " + status);
    assertTrue(vm.ping(BR0, 3));
    assertTrue(ovsAggregatedWithUs(us), ovs.lacpShow());

    // The Marker responder (802.1AX 6.5): a Marker Information PDU injected on member 0 is answered
    // on member 0, byte for byte, from nic0's MAC; a malformed one is counted and not answered.
    String marker =
        "0180c2000002"
            + "020000000077"
            + "8809"
            + "0201" // Marker, version 1
            + "0110" // Marker Information, 16
            + "0003" // requester port
            + ovsHex // requester system
            + "cafe0001" // transaction
            + "abcd" // pad (not echoed)
            + "0000"
            + "5a".repeat(90); // reserved (not echoed)
    String response =
        "0180c2000002"
            + usHex
            + "8809"
            + "0201"
            + "0210"
            + "0003"
            + ovsHex
            + "cafe0001"
            + "0000"
            + "0000"
            + "00".repeat(90);
    CompletableFuture<String> captured =
        CompletableFuture.supplyAsync(
            () ->
                ovs.output(
                    "timeout",
                    "10",
                    "tcpdump",
                    "-n",
                    "-xx",
                    "-c",
                    "1",
                    "-i",
                    ovs.ovsInterface(0),
                    "ether proto 0x8809 and ether[14] = 2 and ether[16] = 2"));
    Thread.sleep(1500); // tcpdump attaches its filter
    String malformed = marker.substring(0, 34) + "14" + marker.substring(36); // TLV length 20
    inject(List.of(malformed, marker));
    String dump = captured.join();
    StringBuilder hex = new StringBuilder();
    for (String line : dump.lines().toList()) {
      Matcher m = Pattern.compile("^\\s+0x[0-9a-f]{4}:\\s+(.*)$").matcher(line);
      if (m.find()) {
        hex.append(m.group(1).replace(" ", ""));
      }
    }
    assertEquals(response, hex.toString(), "the Marker Response on member 0: " + dump);
    String after = ctl("team-status").out();
    Matcher markers =
        Pattern.compile("nic0\\s.*markers rx (\\d+) answered (\\d+) bad (\\d+)").matcher(after);
    assertTrue(markers.find(), after);
    // bad: this malformed one and the 20 "subtype 2" LACPDUs above, malformed markers
    assertEquals(
        "1 1 21", markers.group(1) + " " + markers.group(2) + " " + markers.group(3), after);
    assertTrue(after.matches("(?s).*nic1\\s.*markers rx 0 answered 0 bad 0.*"), after);
    assertEquals(BOTH_AGGREGATED, muxes());
  }

  private long failovers() {
    Matcher m = Pattern.compile("failovers (\\d+)").matcher(ctl("team-status").out());
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }
}
