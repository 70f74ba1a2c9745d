package io.vswitch.perf.bench;

import io.vswitch.perf.frames.Frames;
import io.vswitch.perf.frames.TrafficSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Open vSwitch with DPDK (Debian's openvswitch-switch-dpdk) as the switch to beat, on the same
 * terms as the switch: its own database, sockets and logs in a temporary directory; every non-PMD
 * thread (main, handlers, revalidators, urcu, EAL's) on the main core, as the switch's control
 * threads are, by starting ovsdb-server and ovs-vswitchd under {@code taskset -c MAIN} (threads
 * inherit it) with {@code dpdk-lcore-mask} on the same core; one PMD on the worker core ({@code
 * pmd-cpu-mask}); a netdev bridge with the NORMAL action, the generator on an access port of VLAN
 * 10 and the sink on a trunk of 10 and 20, the layout of the switch's l2 entries. An entry's {@code
 * ovs} block adds static FDB entries ({@code fdb/add}, OVS 2.17+) for the known destinations on the
 * sink and {@link FiveTupleAcl} drop flows above NORMAL. The pinning, the static entries and the
 * flow count are checked, not assumed. Everything is stopped ({@code exit --cleanup}, which also
 * removes the datapath's ovs-netdev and br0 taps) and removed afterwards, also on failure.
 */
public final class OvsRunner {
  static final Path VSWITCHD = Path.of("/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk");
  static final Path SCHEMA = Path.of("/usr/share/openvswitch/vswitch.ovsschema");
  private static final String FILE_PREFIX = "vswitch-bench-ovs-" + ProcessHandle.current().pid();
  private static final List<String> TAPS = List.of("ovs-netdev", "br0", "br-int", "br-phy");
  private static final Path OVS_RUN = Path.of("/var/run/openvswitch");

  private OvsRunner() {}

  /** Null when OVS-DPDK can run here, else why not. */
  public static String unavailable() {
    if (!Files.isExecutable(VSWITCHD)) {
      return VSWITCHD
          + " is not installed (apt-get install openvswitch-switch-dpdk, or --with-ovs)";
    }
    if (!Files.isRegularFile(SCHEMA)) {
      return SCHEMA + " is missing";
    }
    return null;
  }

  /** The commands and files of one OVS instance. */
  record Ovs(Path dir, Map<String, String> env, String db) {
    Path ctl() {
      return dir.resolve("ovs-vswitchd.ctl");
    }

    ChildProcess.Result vsctl(String... args) {
      List<String> cmd = new ArrayList<>(List.of("ovs-vsctl", "--db=" + db, "--timeout=60"));
      cmd.addAll(List.of(args));
      return ChildProcess.run(cmd, env, 90);
    }

    ChildProcess.Result appctl(Path target, String... args) {
      List<String> cmd = new ArrayList<>(List.of("ovs-appctl", "-t", target.toString()));
      cmd.addAll(List.of(args));
      return ChildProcess.run(cmd, env, 60);
    }

    ChildProcess.Result ofctl(String... args) {
      List<String> cmd = new ArrayList<>(List.of("ovs-ofctl"));
      cmd.addAll(List.of(args));
      return ChildProcess.run(cmd, env, 120);
    }
  }

  public static Measurement measure(BenchEntry entry, BenchSettings s, Path pcap, double tscHz) {
    BenchEntry.Connections conns = entry.traffic().connections();
    if (conns == null || unavailable() != null) {
      return measure(entry, s, pcap, tscHz, null);
    }
    try (FlowGenerator gen =
        FlowGenerator.start(entry.name(), s, entry, conns, CONNECTION_QUEUES)) {
      return measure(entry, s, pcap, tscHz, gen);
    } catch (IllegalStateException e) {
      return Measurement.failed(entry.name(), e.getMessage());
    }
  }

  private static Measurement measure(
      BenchEntry entry, BenchSettings s, Path pcap, double tscHz, FlowGenerator gen) {
    String name = entry.name();
    String why = unavailable();
    if (why != null) {
      return Measurement.skipped(name, why);
    }
    for (String tap : TAPS) {
      if (Files.exists(Path.of("/sys/class/net", tap))) {
        return Measurement.failed(
            name, "interface " + tap + " exists: another OVS netdev datapath runs on this host");
      }
    }
    boolean ovsRunExisted = Files.exists(OVS_RUN);
    Path dir;
    try {
      dir = Files.createTempDirectory(s.workDir(), "ovs-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Ovs ovs =
        new Ovs(
            dir,
            Map.of(
                "OVS_RUNDIR", dir.toString(),
                "OVS_LOGDIR", dir.toString(),
                "OVS_DBDIR", dir.toString(),
                "OVS_SYSCONFDIR", dir.toString(),
                "OVS_PKGDATADIR", "/usr/share/openvswitch"),
            "unix:" + dir.resolve("db.sock"));
    String main = Integer.toString(s.mainCore());
    ChildProcess dbServer = null;
    ChildProcess vswitchd = null;
    try {
      check(
          ChildProcess.run(
              List.of("ovsdb-tool", "create", dir.resolve("conf.db").toString(), SCHEMA.toString()),
              ovs.env(),
              30),
          "ovsdb-tool create");
      dbServer =
          ChildProcess.start(
              "ovsdb-server",
              List.of(
                  "taskset",
                  "-c",
                  main,
                  "ovsdb-server",
                  dir.resolve("conf.db").toString(),
                  "--remote=punix:" + dir.resolve("db.sock"),
                  "--unixctl=" + dir.resolve("ovsdb-server.ctl"),
                  "--log-file=" + dir.resolve("ovsdb-server.log")),
              s.logDir().resolve(name + "-ovsdb-server.out"),
              ovs.env());
      waitForFile(dir.resolve("db.sock"), 20_000);
      String extra = "--no-pci --file-prefix=" + FILE_PREFIX + (s.hugepages() ? "" : " --no-huge");
      check(ovs.vsctl("--no-wait", "init"), "ovs-vsctl init");
      check(
          ovs.vsctl(
              "--no-wait",
              "set",
              "Open_vSwitch",
              ".",
              "other_config:dpdk-init=true",
              "other_config:dpdk-lcore-mask=0x" + Long.toHexString(1L << s.mainCore()),
              "other_config:pmd-cpu-mask=0x" + Long.toHexString(1L << s.workerCore()),
              "other_config:dpdk-socket-mem=" + s.memoryMb(),
              "other_config:dpdk-extra=\"" + extra + "\""),
          "ovs-vsctl set other_config");
      // A VXLAN row's OVS runs in a network namespace of its own (its taps and VTEP address too).
      List<String> launch = new ArrayList<>(OvsVxlan.launcher(entry.ovs()));
      launch.addAll(
          List.of(
              "taskset",
              "-c",
              main,
              VSWITCHD.toString(),
              ovs.db(),
              "--unixctl=" + ovs.ctl(),
              "--log-file=" + dir.resolve("ovs-vswitchd.log")));
      vswitchd =
          ChildProcess.start(
              "ovs-vswitchd", launch, s.logDir().resolve(name + "-ovs-vswitchd.out"), ovs.env());
      awaitControlSocket(vswitchd, ovs.ctl(), 60_000);
      boolean replies = gen != null && gen.sinkDevargs() != null;
      List<String> notes = new ArrayList<>();
      // The bridge whose sink port is counted.
      String measured = "br0";
      if (entry.ovs().vxlan() != null) {
        measured = OvsVxlan.build(ovs, entry.ovs().vxlan(), pcap, notes);
      } else {
        check(
            ovs.vsctl("add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev"),
            "add-br");
        // The sink first: its static entries and the drop flows are in place before the generator
        // port (whose traffic starts the moment it is added) exists.
        addPort(ovs, "sink", "trunks=10,20", replies ? gen.sinkDevargs() : BenchSettings.sink(0));
        if (replies) {
          check(
              ovs.vsctl("set", "Interface", "sink", "options:n_rxq=" + CONNECTION_QUEUES), "n_rxq");
        }
      }
      if (entry.ovs().staticFdb()) {
        notes.add(addStaticFdb(ovs));
      }
      if (entry.ovs().dropRules() > 0) {
        notes.add(addDropFlows(ovs, entry.ovs().dropRules(), dir));
      }
      if (entry.ovs().conntrack()) {
        notes.add(addConntrackFlows(ovs, entry.ovs().dropRules(), dir));
      }
      if (gen != null) {
        notes.add(setUpConnections(ovs, entry));
      }
      if (entry.ovs().vxlan() == null) {
        addPort(
            ovs,
            "gen",
            "tag=10",
            gen != null ? gen.genDevargs() : BenchSettings.generator(0, pcap));
      }
      if (gen != null) {
        check(ovs.vsctl("set", "Interface", "gen", "options:n_rxq=" + CONNECTION_QUEUES), "n_rxq");
      }
      TestpmdRunner.sleep(s.warmupSeconds() * 1000L);
      java.util.function.Supplier<ConntrackCounts> ct =
          () ->
              ConntrackCounts.ofOvs(
                  check(ovs.appctl(ovs.ctl(), "dpctl/ct-get-nconns"), "ct-get-nconns"),
                  check(ovs.ofctl("dump-flows", "br0", NEW_FLOW), "dump-flows " + NEW_FLOW));
      if (replies) {
        ConntrackCounts.awaitAtLeast(ct, entry.traffic().connections().count(), 60);
      }
      ConntrackCounts ct0 = gen == null ? null : ct.get();
      ThreadCpu.Sample g0 = gen == null ? null : gen.cpu();
      String pinning = ThreadAffinity.problem(vswitchd.pid(), s.mainCore(), s.workerCore());
      check(ovs.appctl(ovs.ctl(), "dpif-netdev/pmd-stats-clear"), "pmd-stats-clear");
      ThreadCpu.Sample c0 = ThreadCpu.sample(vswitchd.pid(), ThreadCpu.OVS_PMDS);
      long t0 = System.nanoTime();
      long p0 = txPackets(ovs, measured, "sink") + (replies ? txPackets(ovs, "br0", "gen") : 0);
      TestpmdRunner.sleep(s.seconds() * 1000L);
      long p1 = txPackets(ovs, measured, "sink") + (replies ? txPackets(ovs, "br0", "gen") : 0);
      long t1 = System.nanoTime();
      ThreadCpu.Sample c1 = ThreadCpu.sample(vswitchd.pid(), ThreadCpu.OVS_PMDS);
      double rate = (p1 - p0) * 1e3 / (t1 - t0);
      if (gen != null) {
        double genCores = gen.cpu().coresSince(g0);
        ConntrackCounts ct1 = ct.get();
        notes.add(
            ConntrackCounts.note(ct0, ct1, (t1 - t0) / 1e9)
                + String.format(
                    java.util.Locale.ROOT,
                    "; %.2f Mpps forwarded; generator cpu %.2f",
                    rate,
                    genCores));
        if (entry.traffic().connections().newConnections()) {
          rate = (ct1.created() - ct0.created()) * 1e3 / (t1 - t0);
        }
      }
      OvsOutput.PmdStats pmd =
          OvsOutput.PmdStats.parse(check(ovs.appctl(ovs.ctl(), "dpif-netdev/pmd-stats-show"), ""));
      notes.add(datapathFlows(ovs, s.logDir().resolve(name + "-dpctl-dump-flows.txt")));
      if (entry.ovs().vxlan() != null) {
        notes.add(OvsVxlan.verify(ovs, entry.ovs().vxlan()));
      }
      if (p1 <= p0) {
        return Measurement.failed(name, "OVS forwarded nothing; see " + name + "-ovs-vswitchd.log");
      }
      notes.add(pmd.summary());
      notes.add(pinning == null ? "non-PMD threads on core " + main : "NOT PINNED: " + pinning);
      return Measurement.ok(
              name, rate, Double.NaN, entry.description() + " [" + String.join("; ", notes) + "]")
          .withCpu(c1.coresSince(c0), tscHz);
    } catch (IllegalStateException e) {
      return Measurement.failed(name, e.getMessage());
    } finally {
      stop(ovs, vswitchd, dbServer);
      OvsVxlan.removeNetns(entry.ovs());
      copyLogs(dir, s.logDir(), name);
      deleteTree(dir);
      deleteTree(Path.of("/var/run/dpdk", FILE_PREFIX));
      if (!ovsRunExisted) {
        deleteTree(OVS_RUN);
      }
    }
  }

  private static void addPort(Ovs ovs, String port, String vlan, String devargs) {
    addPort(ovs, "br0", port, vlan, devargs);
  }

  /** A DPDK port on {@code bridge}; {@code vlan} is its tag= or trunks= column. */
  static void addPort(Ovs ovs, String bridge, String port, String vlan, String devargs) {
    check(
        ovs.vsctl(
            "add-port",
            bridge,
            port,
            vlan,
            "--",
            "set",
            "Interface",
            port,
            "type=dpdk",
            "options:dpdk-devargs=\"" + devargs + "\""),
        "add-port " + port);
    String error =
        check(ovs.vsctl("get", "Interface", port, "error"), "get Interface error").trim();
    if (!error.isBlank() && !error.equals("[]")) {
      throw new IllegalStateException("OVS refused port " + port + ": " + error);
    }
  }

  /** The known destinations on the sink in VLAN 10; fdb/show must list them as static. */
  private static String addStaticFdb(Ovs ovs) {
    for (int k = 0; k < TrafficSpec.KNOWN_DESTINATIONS; k++) {
      String mac = Frames.macText(TrafficSpec.knownDestination(k));
      check(ovs.appctl(ovs.ctl(), "fdb/add", "br0", "sink", "10", mac), "fdb/add " + mac);
    }
    long statics =
        check(ovs.appctl(ovs.ctl(), "fdb/show", "br0"), "fdb/show")
            .lines()
            .filter(l -> l.trim().endsWith("static"))
            .count();
    if (statics != TrafficSpec.KNOWN_DESTINATIONS) {
      throw new IllegalStateException(
          "fdb/show lists " + statics + " static entries, not " + TrafficSpec.KNOWN_DESTINATIONS);
    }
    return statics + " static FDB entries (fdb/add)";
  }

  /** The drop flows, from a file; dump-aggregate must count them and NORMAL. */
  private static String addDropFlows(Ovs ovs, int rules, Path dir) {
    Path file = dir.resolve("flows.txt");
    try {
      Files.writeString(file, FiveTupleAcl.openFlowFile(rules));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    check(ovs.ofctl("add-flows", "br0", file.toString()), "ovs-ofctl add-flows");
    int flows =
        OvsOutput.flowCount(check(ovs.ofctl("dump-aggregate", "br0"), "ovs-ofctl dump-aggregate"));
    if (flows != rules + 1) {
      throw new IllegalStateException(
          "br0 has " + flows + " OpenFlow flows, not " + rules + " drops + NORMAL");
    }
    return flows + " OpenFlow flows (" + rules + " drops + NORMAL)";
  }

  /**
   * The stateful flows ({@link BenchEntry.Ovs#CONNTRACK_FLOWS}) from a file; dump-aggregate must
   * count them on top of what is there ({@code earlierDrops} drops and NORMAL).
   */
  private static String addConntrackFlows(Ovs ovs, int earlierDrops, Path dir) {
    Path file = dir.resolve("ct-flows.txt");
    try {
      Files.writeString(file, String.join("\n", BenchEntry.Ovs.CONNTRACK_FLOWS) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    check(ovs.ofctl("add-flows", "br0", file.toString()), "ovs-ofctl add-flows (conntrack)");
    int expected = earlierDrops + 1 + BenchEntry.Ovs.CONNTRACK_FLOWS.size();
    int flows =
        OvsOutput.flowCount(check(ovs.ofctl("dump-aggregate", "br0"), "ovs-ofctl dump-aggregate"));
    if (flows != expected) {
      throw new IllegalStateException(
          "br0 has " + flows + " OpenFlow flows, not the " + expected + " of a conntrack row");
    }
    return BenchEntry.Ovs.CONNTRACK_FLOWS.size() + " ct() flows (commit new, pass est/rel)";
  }

  /**
   * Queue pairs of a connection row's memif ports: OVS opens one tx queue per polling thread (the
   * PMD and the non-PMD one), and gets as many rx queues (options:n_rxq) so every ring is backed.
   */
  static final int CONNECTION_QUEUES = 2;

  /** The flow whose packets are the connections OVS commits (ct_state +new). */
  static final String NEW_FLOW = "table=1,ip,ct_state=+trk+new";

  /**
   * A connection row's conntrack: room for its connections ({@code ct-set-maxconns}; a
   * new-connections row's live ones are its rate times the timeout, expired ones until the sweeper
   * frees them) and, when the entry sets udp-timeout, zone 10's timeout policy (udp_first,
   * udp_single, udp_multiple), listed back by list-zone-tp.
   */
  private static String setUpConnections(Ovs ovs, BenchEntry entry) {
    if (!entry.ovs().conntrack()) {
      throw new IllegalStateException("a connections row needs ovs: {conntrack: true}");
    }
    BenchEntry.Connections conns = entry.traffic().connections();
    long max = Math.max(3_000_000L, 2L * conns.count() + 1_000_000L);
    check(ovs.appctl(ovs.ctl(), "dpctl/ct-set-maxconns", Long.toString(max)), "ct-set-maxconns");
    String note = "ct maxconns " + max;
    if (conns.udpTimeout() != null) {
      String t = Integer.toString(conns.udpTimeout());
      check(
          ovs.vsctl(
              "--",
              "--id=@dp",
              "create",
              "Datapath",
              "datapath_version=0",
              "--",
              "set",
              "Open_vSwitch",
              ".",
              "datapaths:netdev=@dp"),
          "create Datapath netdev");
      check(
          ovs.vsctl(
              "add-zone-tp",
              "netdev",
              "zone=10",
              "udp_first=" + t,
              "udp_single=" + t,
              "udp_multiple=" + t),
          "add-zone-tp");
      String listed = check(ovs.vsctl("list-zone-tp", "netdev"), "list-zone-tp").trim();
      if (!listed.contains("udp_first=" + t)) {
        throw new IllegalStateException("zone 10's timeout policy is not there: " + listed);
      }
      note += "; zone 10 udp timeouts " + t + " s (" + listed.replace('\n', ' ') + ")";
    }
    return note;
  }

  /** Saves the datapath's flows (the megaflow cache) and says how many there are. */
  private static String datapathFlows(Ovs ovs, Path keep) {
    String dump = check(ovs.appctl(ovs.ctl(), "dpctl/dump-flows"), "dpctl/dump-flows");
    try {
      Files.writeString(keep, dump);
    } catch (IOException e) {
      // the count below is what the table needs
    }
    return OvsOutput.megaflows(dump) + " datapath flows";
  }

  /**
   * Packets {@code port} of {@code bridge} sent: its live counter (ovsdb's statistics column is
   * refreshed only every 5 s).
   */
  private static long txPackets(Ovs ovs, String bridge, String port) {
    return OvsOutput.txPackets(
        check(ovs.ofctl("dump-ports", bridge, port), "ovs-ofctl dump-ports"));
  }

  /** del-br, then exit --cleanup (removes the taps), then the database; signals if they hang. */
  private static void stop(Ovs ovs, ChildProcess vswitchd, ChildProcess dbServer) {
    if (vswitchd != null) {
      if (vswitchd.isAlive()) {
        for (String bridge : List.of("br0", "br-int", "br-phy")) {
          ovs.vsctl("--if-exists", "del-br", bridge);
        }
        ovs.appctl(ovs.ctl(), "exit", "--cleanup");
        vswitchd.waitFor(20_000);
      }
      vswitchd.stop();
    }
    if (dbServer != null) {
      if (dbServer.isAlive()) {
        ovs.appctl(ovs.dir().resolve("ovsdb-server.ctl"), "exit");
        dbServer.waitFor(10_000);
      }
      dbServer.stop();
    }
    for (String tap : TAPS) {
      // Only when ovs-vswitchd died before its cleanup: we checked at start that none existed.
      if (Files.exists(Path.of("/sys/class/net", tap))) {
        ChildProcess.run(List.of("ip", "link", "del", tap), Map.of(), 10);
      }
    }
  }

  static String check(ChildProcess.Result r, String what) {
    if (!r.ok()) {
      throw new IllegalStateException(
          (what.isEmpty() ? "" : what + ": ") + r.output().trim().replace('\n', ' '));
    }
    return r.output();
  }

  /** ovs-vswitchd serves its control socket once DPDK is up; it exits if EAL fails (memory). */
  private static void awaitControlSocket(ChildProcess vswitchd, Path ctl, long timeoutMillis) {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (!Files.exists(ctl)) {
      if (!vswitchd.isAlive()) {
        String why = vswitchd.firstLine(l -> l.contains("|EMER|") || l.contains("|ERR|"));
        throw new IllegalStateException(
            "ovs-vswitchd exited at start: "
                + (why == null ? "see its log" : why.replaceFirst("^.*\\|(EMER|ERR)\\|", "")));
      }
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException("ovs-vswitchd did not open " + ctl);
      }
      TestpmdRunner.sleep(50);
    }
  }

  private static void waitForFile(Path file, long timeoutMillis) {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (!Files.exists(file)) {
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException(file + " did not appear: ovsdb-server did not start");
      }
      TestpmdRunner.sleep(50);
    }
  }

  private static void copyLogs(Path from, Path to, String name) {
    for (String log :
        List.of("ovs-vswitchd.log", "ovsdb-server.log", "flows.txt", "ct-flows.txt")) {
      try {
        if (Files.exists(from.resolve(log))) {
          Files.copy(
              from.resolve(log), to.resolve(name + "-" + log), StandardCopyOption.REPLACE_EXISTING);
        }
      } catch (IOException e) {
        // A missing log is not worth failing the bench for.
      }
    }
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // Best effort.
    }
  }
}
