package io.vswitch.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.testing.Cli;
import io.vswitch.control.testing.NetnsHost;
import io.vswitch.control.testing.SwitchProcess;
import io.vswitch.dataplane.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
 * The VTEP on a teamed uplink, as NSX puts its TEP on a VDS's teamed uplinks: host A's VTEP rides a
 * two-member failover team, host B's a plain port; an underlay router namespace joins them (A's
 * side on both of A's links, one MAC and address on both, a route per link with a metric, as in
 * {@link TeamNetnsTest}; B's side a subnet of its own). AF_XDP reports its link always up, so the
 * team watches the router by ARP probe. The router knows A's VTEP on the standby link statically
 * (as an upstream that floods would), but learns it on the active one by ARP: A's VTEP answers it
 * over the team. A continuous 10 ms ping between the VMs, the active link cut at the router's end:
 * lost pings x the interval is the failover time, and the outer frames are counted on the router's
 * side of each link.
 *
 * <pre>
 *   a 10.61.0.1 -- switch A [nic0] == r0 \
 *     VTEP 192.0.2.11 on team [nic1] == r1 -- router 192.0.2.254 / 198.51.100.254 -- rb ==
 *                                                        [up] switch B, VTEP 198.51.100.12 -- b 10.61.0.2
 * </pre>
 */
class VxlanTeamFailoverTest {
  private static final String ROUTER_MAC = "02:00:00:61:00:fe";
  private static final String VTEP_A_MAC = "02:00:c0:00:02:0b"; // 02:00 + 192.0.2.11
  private static final int PING_INTERVAL_MS = 10;

  @TempDir Path dir;
  private final List<NetnsHost> hosts = new ArrayList<>();
  private final List<SwitchProcess> switches = new ArrayList<>();
  private final List<String> links = new ArrayList<>();
  private NetnsHost router;
  private String r0;
  private String r1;
  private String rb;

  @BeforeAll
  static void needsNamespaces() {
    Assumptions.assumeTrue(NetnsHost.available(), "needs root and iproute2");
  }

  private static String tag(String name) {
    return "vtm" + (ProcessHandle.current().pid() % 1000) + name;
  }

  private static void sh(String... command) {
    io.vswitch.control.testing.Commands.run(command);
  }

  private void in(String... command) {
    int code = router.exec(command);
    if (code != 0 && !command[0].equals("ethtool")) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + code);
    }
  }

  private NetnsHost vm(String name, String cidr, String mac) {
    NetnsHost host = NetnsHost.overlayGuest(tag(name), cidr, mac);
    hosts.add(host);
    return host;
  }

  /** A veth from the router namespace ({@code inside}) to the root one ({@code outside}). */
  private void routerLink(String inside, String outside, String mac) {
    sh("ip", "link", "add", inside, "type", "veth", "peer", "name", outside);
    links.add(outside);
    sh("ip", "link", "set", inside, "netns", "vsw-" + tag("r"));
    sh("sysctl", "-qw", "net.ipv6.conf." + outside + ".disable_ipv6=1");
    sh("ip", "link", "set", outside, "up");
    in("ip", "link", "set", inside, "address", mac);
    in("ethtool", "-K", inside, "tx", "off", "tso", "off", "gso", "off", "txvlan", "off");
    in("ip", "link", "set", inside, "up");
  }

  /** The router: r0 (from NetnsHost) and r1 to A's members, rb to B's uplink; forwarding on. */
  private void router() {
    router = NetnsHost.create(tag("r"), null, ROUTER_MAC);
    hosts.add(router);
    r0 = "vh" + tag("r");
    r1 = tag("r1");
    rb = tag("rb");
    routerLink(r1, tag("a1"), ROUTER_MAC);
    routerLink(rb, tag("b0"), "02:00:00:61:01:fe");
    for (String dev : List.of(r0, r1)) {
      in("ip", "addr", "add", "192.0.2.254/32", "dev", dev);
    }
    in("ip", "addr", "add", "198.51.100.254/24", "dev", rb);
    for (String key : List.of("all", "default", r0, r1, rb)) {
      in("sysctl", "-qw", "net.ipv4.conf." + key + ".rp_filter=0");
    }
    in("sysctl", "-qw", "net.ipv4.ip_forward=1");
    in("ip", "route", "add", "192.0.2.0/24", "dev", r0, "metric", "10");
    in("ip", "route", "add", "192.0.2.0/24", "dev", r1, "metric", "20");
    in("ip", "neigh", "replace", "192.0.2.11", "lladdr", VTEP_A_MAC, "dev", r1, "nud", "permanent");
  }

  /** Cuts A's member 0 link at the router's end (its route goes with it), or restores it. */
  private void link0(boolean up) {
    in("ip", "link", "set", r0, up ? "up" : "down");
    if (up) {
      in("ip", "route", "replace", "192.0.2.0/24", "dev", r0, "metric", "10");
    }
  }

  /** Frames the router received on {@code dev} so far. */
  private long routerRx(String dev) {
    return Long.parseLong(
        router.output("cat", "/sys/class/net/" + dev + "/statistics/rx_packets").strip());
  }

  private SwitchProcess start(String name, String config) throws java.io.IOException {
    Path home = Files.createDirectories(dir.resolve(name));
    SwitchProcess sw =
        SwitchProcess.start(home, config, "--state-dir", home.resolve("state").toString());
    switches.add(sw);
    return sw;
  }

  private static final String COMMON =
      """
      workers: {cores: [-1], idle: backoff}
      port-groups:
        - {name: web, vlan: {mode: access, id: 100}}
        - {name: underlay, vlan: {mode: access, id: 1}}
      """;

  @AfterEach
  void tearDown() {
    for (SwitchProcess sw : switches) {
      sw.output().lines().filter(l -> l.contains("team ")).forEach(System.out::println);
      sw.close();
    }
    hosts.forEach(NetnsHost::close);
    for (String link : links) {
      try {
        sh("ip", "link", "del", link);
      } catch (IllegalStateException e) {
        // gone with the namespace
      }
    }
  }

  private Cli.Result ctl(String host, String... args) {
    return Cli.run(List.of("--state-dir", dir.resolve(host).resolve("state").toString()), args);
  }

  record PingRun(int sent, int received, int duplicates, int elapsedMs) {
    int lost() {
      return sent - received;
    }

    static PingRun of(String out) {
      Matcher m =
          Pattern.compile("(\\d+) packets transmitted, (\\d+) received(?:, \\+(\\d+) duplicates)?")
              .matcher(out);
      Matcher t = Pattern.compile("time (\\d+)ms").matcher(out);
      if (!m.find() || !t.find()) {
        throw new AssertionError("no ping summary in: " + out);
      }
      return new PingRun(
          Integer.parseInt(m.group(1)),
          Integer.parseInt(m.group(2)),
          m.group(3) == null ? 0 : Integer.parseInt(m.group(3)),
          Integer.parseInt(t.group(1)));
    }
  }

  /** Pings b from a every 10 ms, {@code count} times, while {@code during} runs after 1 s. */
  private static PingRun pingWhile(NetnsHost vm, int count, Runnable during) {
    CompletableFuture<String> ping =
        CompletableFuture.supplyAsync(
            () -> vm.output("ping", "-n", "-i", "0.01", "-W", "1", "-c", "" + count, "10.61.0.2"));
    try {
      Thread.sleep(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    during.run();
    return PingRun.of(ping.join());
  }

  private static void awaitLog(SwitchProcess sw, String text) {
    Await.until(
        "'" + text + "' in the switch log:\n" + sw.output(),
        Duration.ofSeconds(20),
        () -> sw.output().contains(text));
  }

  @Test
  void cuttingTheActiveMemberUnderTheVtepMovesTheTunnelToTheStandbyAndFailbackReturnsIt()
      throws java.io.IOException {
    router();
    NetnsHost a = vm("a", "10.61.0.1/24", "02:00:00:61:00:01");
    NetnsHost b = vm("b", "10.61.0.2/24", "02:00:00:61:00:02");
    SwitchProcess swA =
        start(
            "A",
            COMMON
                + """
                ports:
                  - {name: vm, type: afxdp, iface: %s, port-group: web}
                  - {name: nic0, type: afxdp, iface: %s}
                  - {name: nic1, type: afxdp, iface: %s}
                teams:
                  - {name: up, members: [nic0, nic1], port-group: underlay, policy: failover,
                     failback: true, probe: {target: 192.0.2.254, interval-ms: 50, misses: 3}}
                overlay:
                  vtep: {port: up, address: 192.0.2.11/24, gateway: 192.0.2.254}
                  segments:
                    - {name: blue, vni: 5001, port-groups: [web], remote-vteps: [198.51.100.12]}
                """
                    .formatted(a.switchInterface(), router.switchInterface(), tag("a1")));
    SwitchProcess swB =
        start(
            "B",
            COMMON
                + """
                ports:
                  - {name: vm, type: afxdp, iface: %s, port-group: web}
                  - {name: up, type: afxdp, iface: %s, port-group: underlay}
                overlay:
                  vtep: {port: up, address: 198.51.100.12/24, gateway: 198.51.100.254}
                  segments:
                    - {name: blue, vni: 5001, port-groups: [web], remote-vteps: [192.0.2.11]}
                """
                    .formatted(b.switchInterface(), tag("b0")));
    swA.awaitRunning();
    swB.awaitRunning();
    Await.until(
        "a to reach b across the underlay router:\n" + swA.output() + "\n" + swB.output(),
        Duration.ofSeconds(60),
        () -> a.ping("10.61.0.2", 1));
    String overlay = ctl("A", "overlay").out();
    assertTrue(overlay.contains("vtep team up: members nic0 nic1, carrying nic0"), overlay);
    assertTrue(
        router.output("ip", "neigh", "show", "dev", r0).contains(VTEP_A_MAC.toLowerCase()),
        "the router resolved A's VTEP by ARP over the team");

    PingRun cut = pingWhile(a, 400, () -> link0(false));
    awaitLog(swA, "team up: failover: nic0 -> nic1");
    System.out.printf(
        "VTEP team failover (ARP probe 50 ms x 3 misses): %d of %d pings lost at %d ms:"
            + " ~%d ms without traffic%n",
        cut.lost(), cut.sent(), PING_INTERVAL_MS, cut.lost() * PING_INTERVAL_MS);
    assertEquals(0, cut.duplicates(), "no duplicated replies");
    assertTrue(cut.received() > cut.sent() / 2, "the tunnel recovered on the standby: " + cut);
    assertTrue(b.ping("10.61.0.1", 3), "b to a over nic1");
    // 200 requests in ~2 s: the probes add ~40 to each link, so >= 200 on r1 are the tunnel's.
    long r1Before = routerRx(r1);
    long r0Before = routerRx(r0);
    PingRun over1 = burst(a, 200);
    long r1Sent = routerRx(r1) - r1Before;
    assertTrue(over1.received() >= 195, over1.toString());
    assertTrue(r1Sent >= 200, "the outer frames leave by nic1: " + r1Sent);
    assertEquals(r0Before, routerRx(r0), "nothing arrives on the cut link");
    overlay = ctl("A", "overlay").out();
    assertTrue(overlay.contains("carrying nic1"), overlay);

    // Link back: failback to nic0; the outer frames arrive on r0 again.
    PingRun back = pingWhile(a, 300, () -> link0(true));
    awaitLog(swA, "team up: failback: nic1 -> nic0");
    System.out.printf(
        "VTEP team failback: %d of %d pings lost (~%d ms)%n",
        back.lost(), back.sent(), back.lost() * PING_INTERVAL_MS);
    assertEquals(0, back.duplicates());
    Await.until(
        "nic0 to carry again",
        Duration.ofSeconds(10),
        () -> ctl("A", "team-status").out().matches("(?s).*nic0\\s+active\\s+up\\s+yes.*"));
    long r0Again = routerRx(r0);
    PingRun over0 = burst(a, 200);
    long r0Sent = routerRx(r0) - r0Again;
    assertTrue(over0.received() >= 195, over0.toString());
    assertTrue(r0Sent >= 200, "the outer frames leave by nic0 again: " + r0Sent);
    overlay = ctl("A", "overlay").out();
    assertTrue(overlay.contains("carrying nic0"), overlay);
  }

  private static PingRun burst(NetnsHost vm, int count) {
    return PingRun.of(
        vm.output("ping", "-n", "-i", "0.01", "-W", "1", "-c", "" + count, "10.61.0.2"));
  }
}
