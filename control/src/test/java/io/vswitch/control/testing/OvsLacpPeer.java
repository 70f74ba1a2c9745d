package io.vswitch.control.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Open vSwitch (Debian's openvswitch-switch) as a LACP partner, entirely private to one test: its
 * own ovsdb-server and ovs-vswitchd, children of the test, with every database, socket, pid and log
 * file in a temp dir (OVS_RUNDIR, OVS_DBDIR, --unixctl, --pidfile), inside a network namespace of
 * its own ({@code lacp<tag>}), so the userspace datapath's ovs-netdev and br0 taps live and die
 * with that namespace. A {@code datapath_type=netdev} bridge (no kernel OVS module) holds a bond
 * over two veth ends ({@code lacp=active|passive}, fast LACP, balance-slb, carrier by miimon every
 * 100 ms: rtnetlink link notifications do not reach ovs-vswitchd here) whose other ends, in the
 * root namespace, are the switch's team members; br0, an internal port with an address, is the host
 * behind OVS. Everything is stopped ({@code exit --cleanup}, then the processes by handle) and
 * removed on close.
 *
 * <pre>
 *   switch [nic0] lacpNs0 ---- lacpNo0 \
 *          [nic1] lacpNs1 ---- lacpNo1 -- bond0 (OVS, netdev) -- br0 10.79.0.254   netns lacpN
 * </pre>
 */
public final class OvsLacpPeer implements AutoCloseable {
  private static final Path SCHEMA = Path.of("/usr/share/openvswitch/vswitch.ovsschema");

  private final Path dir;
  private final String namespace;
  private final String[] ovsSide = new String[2];
  private final String[] switchSide = new String[2];
  private final Map<String, String> env;
  private final List<Process> processes = new ArrayList<>();

  /** Null when OVS can run here, else why not. */
  public static String unavailable() {
    for (String tool : List.of("ovs-vswitchd", "ovsdb-server", "ovsdb-tool", "ovs-vsctl")) {
      if (run(List.of("sh", "-c", "command -v " + tool), Map.of(), 10).code != 0) {
        return tool + " is not installed (scripts/install-deps.sh installs openvswitch-switch)";
      }
    }
    return Files.isRegularFile(SCHEMA) ? null : SCHEMA + " is missing";
  }

  private OvsLacpPeer(Path dir, String tag) {
    this.dir = dir;
    this.namespace = "lacp" + tag;
    for (int i = 0; i < 2; i++) {
      ovsSide[i] = "lacp" + tag + "o" + i;
      switchSide[i] = "lacp" + tag + "s" + i;
    }
    this.env =
        Map.of(
            "OVS_RUNDIR", dir.toString(),
            "OVS_LOGDIR", dir.toString(),
            "OVS_DBDIR", dir.toString(),
            "OVS_SYSCONFDIR", dir.toString(),
            "OVS_PKGDATADIR", "/usr/share/openvswitch");
  }

  /**
   * Starts OVS with its bond in LACP {@code mode} (active, passive) and br0 at {@code cidr}; the
   * switch's ends of the bond's links are {@link #switchInterface}.
   */
  public static OvsLacpPeer start(Path dir, String tag, String mode, String cidr) {
    OvsLacpPeer ovs = new OvsLacpPeer(dir, tag);
    try {
      ovs.start(mode, cidr);
      return ovs;
    } catch (RuntimeException e) {
      ovs.close();
      throw e;
    }
  }

  private void start(String mode, String cidr) {
    must(List.of("ip", "netns", "add", namespace));
    must(List.of("ip", "-n", namespace, "link", "set", "lo", "up"));
    for (int i = 0; i < 2; i++) {
      must(List.of("ip", "link", "add", ovsSide[i], "type", "veth", "peer", "name", switchSide[i]));
      must(List.of("ip", "link", "set", ovsSide[i], "netns", namespace));
      keepKernelStackOff(ovsSide[i]);
      must(List.of("ip", "-n", namespace, "link", "set", ovsSide[i], "up"));
      must(List.of("sysctl", "-qw", "net.ipv6.conf." + switchSide[i] + ".disable_ipv6=1"));
      must(List.of("ip", "link", "set", switchSide[i], "up"));
    }
    must(List.of("ovsdb-tool", "create", dir.resolve("conf.db").toString(), SCHEMA.toString()));
    spawn(
        "ovsdb-server",
        "ovsdb-server",
        dir.resolve("conf.db").toString(),
        "--remote=punix:" + dir.resolve("db.sock"),
        "--unixctl=" + dir.resolve("ovsdb-server.ctl"),
        "--pidfile=" + dir.resolve("ovsdb-server.pid"),
        "--log-file=" + dir.resolve("ovsdb-server.log"));
    awaitFile(dir.resolve("db.sock"));
    vsctl("--no-wait", "init");
    spawn(
        "ovs-vswitchd",
        "ovs-vswitchd",
        "unix:" + dir.resolve("db.sock"),
        "--unixctl=" + ctl(),
        "--pidfile=" + dir.resolve("ovs-vswitchd.pid"),
        "--log-file=" + dir.resolve("ovs-vswitchd.log"));
    awaitFile(ctl());
    vsctl("add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev");
    vsctl(
        "add-bond",
        "br0",
        "bond0",
        ovsSide[0],
        ovsSide[1],
        "lacp=" + mode,
        "bond_mode=balance-slb",
        "other_config:lacp-time=fast",
        "other_config:bond-detect-mode=miimon",
        "other_config:bond-miimon-interval=100");
    must(List.of("ip", "-n", namespace, "addr", "add", cidr, "dev", "br0"));
    must(List.of("ip", "-n", namespace, "link", "set", "br0", "up"));
  }

  /**
   * The bond member {@code iface} is OVS's alone, as OVS's userspace install guide asks ("Firewall
   * Rules": with the userspace datapath, frames received on an interface still pass into the
   * kernel's TCP/IP stack too; drop them there). Without this the namespace's kernel, which owns
   * br0's address, answers the VM's ARP for it on the member veth the request came in on, with that
   * veth's MAC (Linux's weak host model, arp_ignore 0), and takes the VM's IP frames to that MAC
   * itself: the VM's neighbor entry then names one bond member, and when that member's link is cut
   * every frame to it is lost whatever OVS's bond does, until the entry goes stale and is resolved
   * again (seconds to tens of seconds: that was the "OVS keeps sending on the dead link" gap). No
   * iptables here, so the same by the interface's own settings: no ARP on it at all (NOARP), no
   * IPv6 (no neighbor discovery), and strict reverse-path filtering for IPv4 (a VM's source routes
   * by br0, so nothing received on a member is delivered locally).
   */
  private void keepKernelStackOff(String iface) {
    must(List.of("ip", "-n", namespace, "link", "set", iface, "arp", "off"));
    must(
        List.of(
            "ip",
            "netns",
            "exec",
            namespace,
            "sysctl",
            "-qw",
            "net.ipv6.conf." + iface + ".disable_ipv6=1",
            "net.ipv4.conf." + iface + ".rp_filter=1"));
  }

  private Path ctl() {
    return dir.resolve("ovs-vswitchd.ctl");
  }

  /** The root-namespace end of bond member {@code i}'s link, for the switch to open. */
  public String switchInterface(int i) {
    return switchSide[i];
  }

  /** OVS's name of bond member {@code i}. */
  public String ovsInterface(int i) {
    return ovsSide[i];
  }

  public String namespace() {
    return namespace;
  }

  /** ovs-vsctl against this OVS's database; must succeed. */
  public String vsctl(String... args) {
    List<String> cmd =
        new ArrayList<>(
            List.of("ovs-vsctl", "--db=unix:" + dir.resolve("db.sock"), "--timeout=30"));
    cmd.addAll(List.of(args));
    Result r = run(cmd, env, 60);
    if (r.code != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + ": " + r.out + "\n" + log());
    }
    return r.out;
  }

  /** ovs-appctl to this ovs-vswitchd; its output, or the error. */
  public String appctl(String... args) {
    List<String> cmd = new ArrayList<>(List.of("ovs-appctl", "-t", ctl().toString()));
    cmd.addAll(List.of(args));
    return run(cmd, env, 30).out;
  }

  /** {@code lacp/show bond0}. */
  public String lacpShow() {
    return appctl("lacp/show", "bond0");
  }

  /** The bond's system ID as OVS reports it ("sys_id: aa:bb:..."). */
  public String systemId() {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(?m)^\\s*sys_id: (\\S+)").matcher(lacpShow());
    return m.find() ? m.group(1) : null;
  }

  /** Runs a command inside OVS's namespace; its exit code. */
  public int exec(String... command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
    full.addAll(List.of(command));
    return run(full, env, 120).code;
  }

  /** Runs a command inside OVS's namespace; its output (exit code ignored). */
  public String output(String... command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
    full.addAll(List.of(command));
    return run(full, env, 120).out;
  }

  /** Cuts bond member {@code i}'s link at OVS's end (both ends lose carrier), or restores it. */
  public void link(int i, boolean up) {
    must(List.of("ip", "-n", namespace, "link", "set", ovsSide[i], up ? "up" : "down"));
  }

  /** ovs-vswitchd's log so far. */
  public String log() {
    try {
      Path log = dir.resolve("ovs-vswitchd.log");
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return e.toString();
    }
  }

  @Override
  public void close() {
    if (Files.exists(ctl())) {
      appctl("exit", "--cleanup"); // removes the ports and the datapath's taps (ovs-netdev, br0)
    }
    if (Files.exists(dir.resolve("ovsdb-server.ctl"))) {
      run(List.of("ovs-appctl", "-t", dir.resolve("ovsdb-server.ctl").toString(), "exit"), env, 30);
    }
    for (Process p : processes) {
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          p.waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
    }
    run(List.of("ip", "netns", "del", namespace), Map.of(), 30); // its veth ends and taps go too
    for (String s : switchSide) {
      if (Files.exists(Path.of("/sys/class/net", s))) {
        run(List.of("ip", "link", "del", s), Map.of(), 30);
      }
    }
    Commands.deleteTree(dir);
  }

  private void spawn(String name, String... command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
    full.addAll(List.of(command));
    try {
      ProcessBuilder b =
          new ProcessBuilder(full)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve(name + ".out").toFile());
      b.environment().putAll(env);
      processes.add(b.start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void awaitFile(Path file) {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (!Files.exists(file)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(file + " did not appear:\n" + log());
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  private void must(List<String> command) {
    Result r = run(command, env, 60);
    if (r.code != 0) {
      throw new IllegalStateException(String.join(" ", command) + ": " + r.out);
    }
  }

  private record Result(int code, String out) {}

  private static Result run(List<String> command, Map<String, String> env, int seconds) {
    try {
      ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true);
      b.environment().putAll(env);
      Process p = b.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(-1, out);
      }
      return new Result(p.exitValue(), out);
    } catch (IOException e) {
      return new Result(-1, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, e.toString());
    }
  }
}
