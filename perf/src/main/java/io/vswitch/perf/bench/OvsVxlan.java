package io.vswitch.perf.bench;

import io.vswitch.perf.frames.Frames;
import io.vswitch.perf.frames.TrafficSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * OVS-DPDK's userspace VXLAN tunnel, set up the way its documentation does (userspace-tunneling):
 * an integration bridge {@code br-int} with the VM-side port (tag 10) and a {@code type=vxlan} port
 * ({@code remote_ip} the remote VTEP, {@code key} the VNI, tag 10), a physical bridge {@code
 * br-phy} with the DPDK uplink, the VTEP address on br-phy's LOCAL port (the kernel side of its
 * tap, {@code ip addr add}; OVS takes the route and the tunnel's receive address from there),
 * br-phy's MAC set to the address the generator's outer frames go to, and the remote VTEP's MAC
 * given with {@code tnl/neigh/set} so no ARP is needed. The 4 known inner destinations are static
 * FDB entries on br-int (towards the vxlan port for encap, the access port for decap), the remote
 * VTEP's MAC one on br-phy's uplink. Encap: the generator on br-int, the counted sink is br-phy's
 * uplink. Decap: the generator (VXLAN frames) is br-phy's uplink, the counted sink the access port
 * on br-int, which only tunnel_pop can reach. {@link #verify} then reads the datapath flows: the
 * packets must have gone through {@code tnl_push} (VNI 5001, UDP 4789) or {@code tnl_pop}, not
 * anything else.
 *
 * <p>ovs-vswitchd runs in a network namespace of its own ({@link #NETNS}, made by {@link #launcher}
 * and deleted with whatever is left in it by {@link #removeNetns}): its taps, the VTEP address and
 * the route OVS reads from the kernel stay out of the host's namespace, whose own addresses (this
 * host's underlay may well be 192.0.2.0/24) would otherwise be OVS's routes to the remote VTEP.
 * IPv6 is off in it, so the kernel sends nothing through br-phy's tap during the run.
 */
final class OvsVxlan {
  static final String VTEP = "192.0.2.1";
  static final String REMOTE = "192.0.2.2";
  static final String PHY = "br-phy";
  static final String INT = "br-int";

  static final String NETNS = "vswitch-bench-vxlan-" + ProcessHandle.current().pid();

  private OvsVxlan() {}

  /**
   * What ovs-vswitchd's command starts with: nothing for other rows; for a VXLAN row, a fresh
   * network namespace (IPv6 off) and {@code ip netns exec} into it (which execs: the pid is
   * vswitchd's).
   */
  static List<String> launcher(BenchEntry.Ovs ovs) {
    if (ovs.vxlan() == null) {
      return List.of();
    }
    removeNetns(ovs);
    ip("netns", "add", NETNS);
    ChildProcess.run(
        List.of(
            "ip",
            "netns",
            "exec",
            NETNS,
            "sysctl",
            "-q",
            "-w",
            "net.ipv6.conf.default.disable_ipv6=1",
            "net.ipv6.conf.all.disable_ipv6=1"),
        Map.of(),
        10);
    return List.of("ip", "netns", "exec", NETNS);
  }

  /** Deletes the namespace (and the taps a vswitchd that died left in it), if there is one. */
  static void removeNetns(BenchEntry.Ovs ovs) {
    if (ovs.vxlan() != null && java.nio.file.Files.exists(Path.of("/var/run/netns", NETNS))) {
      ChildProcess.run(List.of("ip", "netns", "del", NETNS), Map.of(), 10);
    }
  }

  /** Builds both bridges, the generator port last; returns the bridge whose "sink" is counted. */
  static String build(OvsRunner.Ovs ovs, String mode, Path pcap, List<String> notes) {
    boolean encap = mode.equals("encap");
    String localMac = Frames.macText(TrafficSpec.LOCAL_VTEP_MAC);
    String remoteMac = Frames.macText(TrafficSpec.REMOTE_VTEP_MAC);
    vsctl(
        ovs,
        "add-br",
        PHY,
        "--",
        "set",
        "bridge",
        PHY,
        "datapath_type=netdev",
        "other-config:hwaddr=" + localMac);
    vsctl(ovs, "add-br", INT, "--", "set", "bridge", INT, "datapath_type=netdev");
    ip("-n", NETNS, "addr", "add", VTEP + "/24", "dev", PHY);
    ip("-n", NETNS, "link", "set", PHY, "up");
    vsctl(
        ovs,
        "add-port",
        INT,
        "vxlan0",
        "tag=10",
        "--",
        "set",
        "Interface",
        "vxlan0",
        "type=vxlan",
        "options:remote_ip=" + REMOTE,
        "options:key=" + TrafficSpec.VNI);
    if (encap) {
      OvsRunner.addPort(ovs, PHY, "sink", "vlan_mode=trunk", BenchSettings.sink(0));
      OvsRunner.check(
          ovs.appctl(ovs.ctl(), "fdb/add", PHY, "sink", "0", remoteMac), "fdb/add br-phy");
    } else {
      OvsRunner.addPort(ovs, INT, "sink", "tag=10", BenchSettings.sink(0));
    }
    OvsRunner.check(
        ovs.appctl(ovs.ctl(), "tnl/neigh/set", PHY, REMOTE, remoteMac), "tnl/neigh/set");
    String toward = encap ? "vxlan0" : "sink";
    for (int k = 0; k < TrafficSpec.KNOWN_DESTINATIONS; k++) {
      String mac = Frames.macText(TrafficSpec.knownDestination(k));
      OvsRunner.check(ovs.appctl(ovs.ctl(), "fdb/add", INT, toward, "10", mac), "fdb/add " + mac);
    }
    awaitTunnelReady(ovs);
    if (encap) {
      OvsRunner.addPort(ovs, INT, "gen", "tag=10", BenchSettings.generator(0, pcap));
    } else {
      OvsRunner.addPort(ovs, PHY, "gen", "vlan_mode=trunk", BenchSettings.generator(0, pcap));
    }
    notes.add(
        "br-int: "
            + (encap ? "gen" : "sink")
            + " tag 10, vxlan0 key "
            + TrafficSpec.VNI
            + " to "
            + REMOTE
            + "; br-phy "
            + VTEP
            + "/24: "
            + (encap ? "sink" : "gen")
            + "; 4 static FDB entries on br-int to "
            + toward);
    return encap ? PHY : INT;
  }

  /**
   * OVS learns the kernel's route to the VTEP subnet and br-phy's address (the tunnel's receive
   * side) asynchronously: wait until ovs/route/show has the route and tnl/ports/show the port.
   */
  private static void awaitTunnelReady(OvsRunner.Ovs ovs) {
    long deadline = System.currentTimeMillis() + 20_000;
    String routes = "";
    String ports = "";
    while (System.currentTimeMillis() < deadline) {
      routes = ovs.appctl(ovs.ctl(), "ovs/route/show").output();
      ports = ovs.appctl(ovs.ctl(), "tnl/ports/show").output();
      if (routes.contains("192.0.2.0/24 dev " + PHY) && ports.contains("vxlan_sys_4789")) {
        return;
      }
      TestpmdRunner.sleep(100);
    }
    throw new IllegalStateException(
        "OVS has no tunnel route or port: ovs/route/show "
            + routes.replace('\n', ' ')
            + " tnl/ports/show "
            + ports.replace('\n', ' '));
  }

  private static final Pattern PACKETS = Pattern.compile("packets:(\\d+)");

  /**
   * What the datapath did with the packets (dpctl/dump-flows): the share of them in flows whose
   * actions are the VXLAN push (VNI 5001 = 0x1389, UDP 4789, from 192.0.2.1 to 192.0.2.2) or the
   * tunnel pop, which must be nearly all (a few are the kernel's own frames on br-phy's tap).
   */
  static String verify(OvsRunner.Ovs ovs, String mode) {
    String dump = OvsRunner.check(ovs.appctl(ovs.ctl(), "dpctl/dump-flows"), "dpctl/dump-flows");
    return verifyDump(dump, mode);
  }

  static String verifyDump(String dump, String mode) {
    boolean encap = mode.equals("encap");
    long all = 0;
    long tunnelled = 0;
    long innerDecapped = 0;
    String vni = "vni=0x" + Integer.toHexString(TrafficSpec.VNI);
    for (String line : dump.lines().toList()) {
      Matcher m = PACKETS.matcher(line);
      if (!m.find()) {
        continue;
      }
      long packets = Long.parseLong(m.group(1));
      int actions = line.indexOf("actions:");
      String act = actions < 0 ? "" : line.substring(actions);
      String match = actions < 0 ? line : line.substring(0, actions);
      if (match.contains("tunnel(")) {
        // after the pop: the inner frame, recirculated from the vxlan port
        if (match.contains("tun_id=0x" + Integer.toHexString(TrafficSpec.VNI))
            && match.contains("src=" + REMOTE)) {
          innerDecapped += packets;
        }
        continue;
      }
      all += packets;
      boolean ok =
          encap
              ? act.contains("tnl_push(")
                  && act.contains(vni)
                  && act.contains("dst=" + Frames.VXLAN_PORT)
                  && act.contains("src=" + VTEP)
                  && act.contains("dst=" + REMOTE)
              : act.contains("tnl_pop(");
      if (ok) {
        tunnelled += packets;
      }
    }
    double share = all == 0 ? 0 : 100.0 * tunnelled / all;
    if (all == 0 || share < 99.0 || (!encap && innerDecapped < tunnelled * 0.99)) {
      throw new IllegalStateException(
          String.format(
              Locale.ROOT,
              "OVS did not %s: %.1f%% of %d datapath packets through %s, %d inner frames"
                  + " of VNI %d; see the dpctl-dump-flows log",
              encap ? "encapsulate" : "decapsulate",
              share,
              all,
              encap ? "tnl_push" : "tnl_pop",
              innerDecapped,
              TrafficSpec.VNI));
    }
    return String.format(
        Locale.ROOT,
        "%.1f%% of datapath packets %s",
        share,
        encap
            ? "through tnl_push(VNI " + TrafficSpec.VNI + ", UDP " + Frames.VXLAN_PORT + ")"
            : "through tnl_pop, then out as VNI " + TrafficSpec.VNI + " inner frames");
  }

  private static void vsctl(OvsRunner.Ovs ovs, String... args) {
    OvsRunner.check(ovs.vsctl(args), "ovs-vsctl " + String.join(" ", args));
  }

  private static void ip(String... args) {
    List<String> cmd = new java.util.ArrayList<>(List.of("ip"));
    cmd.addAll(List.of(args));
    OvsRunner.check(ChildProcess.run(cmd, Map.of(), 10), String.join(" ", cmd));
  }
}
