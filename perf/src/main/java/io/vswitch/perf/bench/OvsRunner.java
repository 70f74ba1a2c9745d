package io.vswitch.perf.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Open vSwitch with DPDK (Debian's openvswitch-switch-dpdk) as the switch to beat: started here
 * with its own database, sockets and logs in a temporary directory, one PMD on the bench's worker
 * core, a netdev bridge with the NORMAL action, the generator on an access port of VLAN 10 and the
 * sink on a trunk of 10 and 20, the layout of the switch's l2-access-trunk entry. Everything is
 * stopped and removed afterwards, also on failure.
 */
public final class OvsRunner {
  static final Path VSWITCHD = Path.of("/usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk");
  static final Path SCHEMA = Path.of("/usr/share/openvswitch/vswitch.ovsschema");
  private static final String FILE_PREFIX = "vswitch-bench-ovs";

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

  public static Measurement measure(String name, BenchSettings s, Path pcap) {
    String why = unavailable();
    if (why != null) {
      return Measurement.skipped(name, why);
    }
    Path dir;
    try {
      dir = Files.createTempDirectory(s.workDir(), "ovs-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String db = "unix:" + dir.resolve("db.sock");
    Map<String, String> env =
        Map.of(
            "OVS_RUNDIR", dir.toString(),
            "OVS_LOGDIR", dir.toString(),
            "OVS_DBDIR", dir.toString(),
            "OVS_SYSCONFDIR", dir.toString(),
            "OVS_PKGDATADIR", "/usr/share/openvswitch");
    ChildProcess dbServer = null;
    ChildProcess vswitchd = null;
    try {
      check(
          ChildProcess.run(
              List.of("ovsdb-tool", "create", dir.resolve("conf.db").toString(), SCHEMA.toString()),
              env,
              30));
      dbServer =
          ChildProcess.start(
              "ovsdb-server",
              List.of(
                  "ovsdb-server",
                  dir.resolve("conf.db").toString(),
                  "--remote=punix:" + dir.resolve("db.sock"),
                  "--unixctl=" + dir.resolve("ovsdb-server.ctl"),
                  "--log-file=" + dir.resolve("ovsdb-server.log")),
              s.logDir().resolve("ovsdb-server.log.out"),
              env);
      waitForFile(dir.resolve("db.sock"), 20_000);
      String mask = "0x" + Long.toHexString(1L << s.workerCore());
      String lcores = "0x" + Long.toHexString(1L << s.mainCore());
      String extra = "--no-pci --file-prefix=" + FILE_PREFIX + (s.hugepages() ? "" : " --no-huge");
      vsctl(env, db, "--no-wait", "init");
      vsctl(
          env,
          db,
          "--no-wait",
          "set",
          "Open_vSwitch",
          ".",
          "other_config:dpdk-init=true",
          "other_config:dpdk-lcore-mask=" + lcores,
          "other_config:pmd-cpu-mask=" + mask,
          "other_config:dpdk-socket-mem=" + s.memoryMb(),
          "other_config:dpdk-extra=\"" + extra + "\"");
      vswitchd =
          ChildProcess.start(
              "ovs-vswitchd",
              List.of(
                  VSWITCHD.toString(),
                  db,
                  "--unixctl=" + dir.resolve("ovs-vswitchd.ctl"),
                  "--log-file=" + dir.resolve("ovs-vswitchd.log")),
              s.logDir().resolve("ovs-vswitchd.log.out"),
              env);
      vsctl(
          env,
          db,
          "--timeout=60",
          "add-br",
          "br0",
          "--",
          "set",
          "bridge",
          "br0",
          "datapath_type=netdev");
      vsctl(
          env,
          db,
          "--timeout=60",
          "add-port",
          "br0",
          "gen",
          "tag=10",
          "--",
          "set",
          "Interface",
          "gen",
          "type=dpdk",
          "options:dpdk-devargs=\"" + BenchSettings.generator(0, pcap) + "\"");
      vsctl(
          env,
          db,
          "--timeout=60",
          "add-port",
          "br0",
          "sink",
          "trunks=10,20",
          "--",
          "set",
          "Interface",
          "sink",
          "type=dpdk",
          "options:dpdk-devargs=\"" + BenchSettings.sink(0) + "\"");
      String error = vsctlGet(env, db, "Interface", "gen", "error");
      if (error != null && !error.isBlank() && !error.equals("[]")) {
        return Measurement.failed(name, "OVS refused the generator port: " + error);
      }
      TestpmdRunner.sleep(s.warmupSeconds() * 1000L);
      long t0 = System.nanoTime();
      long p0 = txPackets(env, db);
      TestpmdRunner.sleep(s.seconds() * 1000L);
      long p1 = txPackets(env, db);
      long t1 = System.nanoTime();
      if (p1 <= p0) {
        return Measurement.failed(name, "OVS forwarded nothing; see " + dir + " logs");
      }
      return Measurement.ok(
          name, (p1 - p0) * 1e3 / (t1 - t0), Double.NaN, "OVS-DPDK NORMAL, access 10 -> trunk");
    } catch (IllegalStateException e) {
      return Measurement.failed(name, e.getMessage());
    } finally {
      if (vswitchd != null) {
        vswitchd.stop();
      }
      if (dbServer != null) {
        dbServer.stop();
      }
      copyLogs(dir, s.logDir());
      deleteTree(dir);
      deleteTree(Path.of("/var/run/dpdk", FILE_PREFIX));
    }
  }

  private static long txPackets(Map<String, String> env, String db) {
    String v = vsctlGet(env, db, "Interface", "sink", "statistics:tx_packets");
    try {
      return Long.parseLong(v.replace("\"", "").trim());
    } catch (NumberFormatException e) {
      throw new IllegalStateException("unexpected ovs-vsctl answer for tx_packets: " + v);
    }
  }

  private static String vsctlGet(
      Map<String, String> env, String db, String table, String record, String column) {
    ChildProcess.Result r =
        ChildProcess.run(
            List.of("ovs-vsctl", "--db=" + db, "--timeout=10", "get", table, record, column),
            env,
            30);
    check(r);
    return r.output().trim();
  }

  private static void vsctl(Map<String, String> env, String db, String... args) {
    List<String> cmd = new ArrayList<>(List.of("ovs-vsctl", "--db=" + db));
    cmd.addAll(List.of(args));
    check(ChildProcess.run(cmd, env, 90));
  }

  private static void check(ChildProcess.Result r) {
    if (!r.ok()) {
      throw new IllegalStateException(r.output().trim().replace('\n', ' '));
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

  private static void copyLogs(Path from, Path to) {
    for (String log : List.of("ovs-vswitchd.log", "ovsdb-server.log")) {
      try {
        if (Files.exists(from.resolve(log))) {
          Files.copy(
              from.resolve(log),
              to.resolve(log),
              java.nio.file.StandardCopyOption.REPLACE_EXISTING);
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
