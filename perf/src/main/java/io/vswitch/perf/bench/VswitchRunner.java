package io.vswitch.perf.bench;

import io.vswitch.dataplane.stats.CounterFile;
import io.vswitch.dataplane.stats.PortCounter;
import io.vswitch.perf.frames.Frames;
import io.vswitch.perf.frames.TrafficSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs the switch (io.vswitch.control.VswitchMain, as scripts/vswitch does) on one bench entry and
 * measures it from its live counter file: two readings of the measured ports' tx_packets, a known
 * interval apart, after the warm-up. The JVM records per-thread allocation with JFR, from which
 * {@link JfrAllocation} gives the worker threads' heap bytes per packet.
 */
public final class VswitchRunner {
  /** The switch's exit code for a config it refuses (VswitchMain.EXIT_CONFIG). */
  static final int EXIT_CONFIG = 2;

  private VswitchRunner() {}

  /**
   * Something that runs alongside the measured window (scripts/profile.sh attaches a profiler):
   * told the switch's pid just before the first counter reading and just after the second.
   */
  public interface Window {
    Window NONE =
        new Window() {
          @Override
          public void opened(long pid) {}

          @Override
          public void closed(long pid) {}
        };

    void opened(long pid);

    void closed(long pid);
  }

  public static Measurement measure(
      BenchEntry entry, BenchSettings s, Map<String, Path> pcaps, double tscHz) {
    return measure(entry, s, pcaps, tscHz, Window.NONE);
  }

  public static Measurement measure(
      BenchEntry entry, BenchSettings s, Map<String, Path> pcaps, double tscHz, Window window) {
    String name = entry.name();
    BenchEntry.Connections conns = entry.traffic().connections();
    try (FlowGenerator gen = conns == null ? null : FlowGenerator.start(name, s, entry, conns, 1)) {
      return measure(entry, s, pcaps, tscHz, window, gen);
    } catch (IllegalStateException e) {
      return Measurement.failed(name, e.getMessage());
    }
  }

  private static Measurement measure(
      BenchEntry entry,
      BenchSettings s,
      Map<String, Path> pcaps,
      double tscHz,
      Window window,
      FlowGenerator gen) {
    String name = entry.name();
    Path dir = s.workDir().resolve("switch-" + name);
    Path config = dir.resolve("switch.yaml");
    Path counters = dir.resolve("counters");
    Path jfr = dir.resolve("alloc.jfr");
    Map<String, String> values = new HashMap<>(placeholders(entry, s, pcaps));
    String metrics = null;
    if (gen != null) {
      values.put("gen", gen.genDevargs());
      if (gen.sinkDevargs() != null) {
        values.put("sink", gen.sinkDevargs());
      }
      metrics = "127.0.0.1:" + ConntrackCounts.freePort();
    }
    try {
      Files.createDirectories(dir);
      Files.writeString(config, entry.render(values));
      Files.writeString(dir.resolve("alloc.jfc"), JfrAllocation.SETTINGS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> cmd = new ArrayList<>(s.javaCommand());
    cmd.add(
        "-XX:StartFlightRecording=filename="
            + jfr
            + ",settings="
            + dir.resolve("alloc.jfc")
            + ",name=vswitch-bench-alloc");
    cmd.add("io.vswitch.control.VswitchMain");
    cmd.add("--config");
    cmd.add(config.toString());
    cmd.add("--counters");
    cmd.add(counters.toString());
    if (metrics != null) {
      cmd.add("--metrics");
      cmd.add(metrics);
    }
    cmd.add("--duration");
    // a connection row waits (up to 60 s) for its table to fill before the window
    boolean fills = gen != null && gen.sinkDevargs() != null;
    // and its scrapes (each walks the table) take time on the shared main core
    cmd.add(
        Integer.toString(s.warmupSeconds() + s.seconds() + (gen == null ? 2 : fills ? 92 : 30)));
    Path log = s.logDir().resolve("vswitch-" + name + ".log");
    try (ChildProcess sw = ChildProcess.start("vswitch-" + name, cmd, log)) {
      String running = sw.awaitLine(l -> l.startsWith("vswitch: running"), 90_000);
      if (running == null) {
        int code = sw.waitFor(10_000);
        String error = sw.firstLine(l -> l.startsWith("vswitch: error:"));
        String why = error == null ? "no 'running' line; see " + log : reason(error, config);
        return code == EXIT_CONFIG
            ? Measurement.skipped(name, why)
            : Measurement.failed(name, "exit " + code + ": " + why);
      }
      double mpps;
      double cores;
      String connectionNote = null;
      double newMillionsPerSecond = Double.NaN;
      long windowStart;
      long windowEnd;
      try (CounterFile file = CounterFile.open(counters)) {
        int[] ports = portIndexes(file, entry.measure());
        TestpmdRunner.sleep(s.warmupSeconds() * 1000L);
        String url = "http://" + metrics + "/metrics";
        if (gen != null && entry.traffic().connections().replies()) {
          ConntrackCounts.awaitAtLeast(
              () -> ConntrackCounts.scrape(url), entry.traffic().connections().count(), 60);
        }
        ConntrackCounts ct0 = gen == null ? null : ConntrackCounts.scrape(url);
        ThreadCpu.Sample g0 = gen == null ? null : gen.cpu();
        window.opened(sw.pid());
        ThreadCpu.Sample c0 = ThreadCpu.sample(sw.pid(), ThreadCpu.VSWITCH_WORKERS);
        long t0 = System.nanoTime();
        windowStart = System.currentTimeMillis();
        long p0 = txPackets(file, ports);
        TestpmdRunner.sleep(s.seconds() * 1000L);
        long p1 = txPackets(file, ports);
        long t1 = System.nanoTime();
        windowEnd = System.currentTimeMillis();
        cores = ThreadCpu.sample(sw.pid(), ThreadCpu.VSWITCH_WORKERS).coresSince(c0);
        window.closed(sw.pid());
        mpps = (p1 - p0) * 1e3 / (t1 - t0);
        if (gen != null) {
          double genCores = gen.cpu().coresSince(g0);
          ConntrackCounts ct1 = ConntrackCounts.scrape(url);
          connectionNote =
              ConntrackCounts.note(ct0, ct1, (t1 - t0) / 1e9)
                  + String.format(
                      Locale.ROOT, "; %.2f Mpps forwarded; generator cpu %.2f", mpps, genCores);
          // created per microsecond: millions per second
          newMillionsPerSecond = (ct1.created() - ct0.created()) * 1e3 / (t1 - t0);
        }
      }
      // The switch's shutdown hook halts the JVM, so JFR's dump-on-exit never runs: dump now.
      dumpRecording(s, sw.pid(), jfr);
      int code = sw.waitFor(gen != null ? 150_000 : 60_000);
      if (code != 0) {
        String error = sw.firstLine(l -> l.startsWith("vswitch: error:"));
        return Measurement.failed(
            name, "exit " + code + (error == null ? "" : ": " + reason(error, config)));
      }
      double bytesPerPacket =
          JfrAllocation.bytesPerPacket(jfr, "vswitch-worker", windowStart, windowEnd, mpps * 1e6);
      if (connectionNote != null) {
        // a new-connections row's rate is connections/s (in millions), its cycles per connection
        double rate = entry.traffic().connections().newConnections() ? newMillionsPerSecond : mpps;
        return Measurement.ok(
                name, rate, bytesPerPacket, entry.description() + " [" + connectionNote + "]")
            .withCpu(cores, tscHz)
            .versus(entry.versus());
      }
      return Measurement.ok(name, mpps, bytesPerPacket, entry.description())
          .withCpu(cores, tscHz)
          .versus(entry.versus());
    }
  }

  /** The switch's one-line error without its prefix and the (temporary) config path. */
  static String reason(String errorLine, Path config) {
    String why = errorLine.replaceFirst("^vswitch: error: ", "");
    why = why.replace("config " + config + ": ", "").replace(config + ": ", "");
    return why.trim();
  }

  private static void dumpRecording(BenchSettings s, long pid, Path jfr) {
    Path java = Path.of(s.javaCommand().get(0));
    Path jcmd = java.resolveSibling("jcmd");
    ChildProcess.run(
        List.of(
            jcmd.toString(),
            Long.toString(pid),
            "JFR.dump",
            "name=vswitch-bench-alloc",
            "filename=" + jfr),
        Map.of(),
        60);
  }

  static Map<String, String> placeholders(
      BenchEntry entry, BenchSettings s, Map<String, Path> pcaps) {
    Path pcap = pcaps.get(entry.name());
    return Map.ofEntries(
        Map.entry("main-core", Integer.toString(s.mainCore())),
        Map.entry("worker-core", Integer.toString(s.workerCore())),
        Map.entry("second-core", Integer.toString(s.secondCore())),
        Map.entry("hugepages", s.hugepages() ? "on" : "off"),
        Map.entry("memory-mb", Integer.toString(s.memoryMb())),
        Map.entry("gen", BenchSettings.generator(0, pcap)),
        Map.entry("gen1", BenchSettings.generator(1, pcap)),
        Map.entry("gen2", BenchSettings.generator(2, pcap)),
        Map.entry("sink", BenchSettings.sink(0)),
        Map.entry("sink1", BenchSettings.sink(1)),
        Map.entry("sink2", BenchSettings.sink(2)),
        Map.entry("sink3", BenchSettings.sink(3)),
        Map.entry("acl-10-rules", GeneratedAcl.rules(10, "      ")),
        Map.entry("acl-1000-rules", GeneratedAcl.rules(1000, "      ")),
        Map.entry("acl-10000-rules", GeneratedAcl.rules(10000, "      ")),
        Map.entry("five-tuple-300-rules", FiveTupleAcl.yaml(300, "      ")),
        Map.entry("five-tuple-10000-rules", FiveTupleAcl.yaml(10_000, "      ")),
        Map.entry("static-fdb", staticFdb()),
        Map.entry("static-fdb-vxlan", staticFdb("vxlan.blue.192.0.2.2")));
  }

  /**
   * The known destinations ({@code traffic: {dst: known}}) as static FDB entries on the sink in
   * VLAN 10, as a YAML flow sequence: {@code fdb: {static: ${static-fdb}}}.
   */
  static String staticFdb() {
    return staticFdb("sink");
  }

  /** The known destinations as static entries on {@code port} (a tunnel port: remote MACs). */
  static String staticFdb(String port) {
    List<String> entries = new ArrayList<>();
    for (int k = 0; k < TrafficSpec.KNOWN_DESTINATIONS; k++) {
      entries.add(
          "{mac: \""
              + Frames.macText(TrafficSpec.knownDestination(k))
              + "\", vlan: 10, port: "
              + port
              + "}");
    }
    return "[" + String.join(", ", entries) + "]";
  }

  private static int[] portIndexes(CounterFile file, List<String> names) {
    int[] out = new int[names.size()];
    for (int i = 0; i < names.size(); i++) {
      out[i] = file.portNames().indexOf(names.get(i));
      if (out[i] < 0) {
        throw new IllegalArgumentException(
            "measured port '" + names.get(i) + "' is not in the switch: " + file.portNames());
      }
    }
    return out;
  }

  private static long txPackets(CounterFile file, int[] ports) {
    long total = 0;
    for (int p : ports) {
      total += file.sum(p, PortCounter.TX_PACKETS);
    }
    return total;
  }
}
