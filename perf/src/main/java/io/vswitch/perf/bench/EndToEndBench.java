package io.vswitch.perf.bench;

import io.vswitch.perf.frames.TrafficSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The end-to-end bench: in one run, on the same cores and the same virtual ports (a net_pcap
 * generator replaying frames forever into a net_null sink), measures testpmd io and macswap and
 * every row of perf/bench/configurations.yaml (switch configurations and OVS-DPDK bridges, OVS when
 * installed), then prints one table of rates, ratios and cycles per packet, its legend, and the
 * issue's targets with pass/fail. scripts/bench.sh is the way in; run it with --help.
 */
public final class EndToEndBench {
  private EndToEndBench() {}

  static final String USAGE =
      """
      usage: EndToEndBench [options]
        --frame-size N     bytes per frame, FCS included (default 64)
        --warmup S         seconds of forwarding before the first reading (default 3)
        --seconds S        measured seconds per configuration (default 5)
        --main-core C      main/control lcore of every process (default 0)
        --worker-core C    the forwarding core (default 1)
        --second-core C    second worker of 2-worker configurations (default: main core)
        --entries FILE     rows: switch configs, OVS bridges (default perf/bench/configurations.yaml)
        --only REGEX       only rows whose name matches (references included when they match)
        --no-references    skip testpmd and the OVS rows
        --ovs on|off|auto  OVS-DPDK rows: auto = when installed (default)
        --hugepages on|off (default on)
        --memory-mb N      DPDK memory per process (default 1024)
        --work-dir DIR     captures, configs, counters (default: a temporary directory)
        --report FILE      also write the table here
      """;

  public static void main(String[] args) throws IOException {
    Map<String, String> opt = parse(args);
    if (opt.containsKey("help")) {
      System.out.print(USAGE);
      return;
    }
    BenchSettings s = settings(opt, switchJvm());
    int frameSize = s.frameSize();
    Path workDir = s.workDir();
    Pattern only = Pattern.compile(opt.getOrDefault("only", ".*"));
    boolean references = !opt.containsKey("no-references");
    String ovs = opt.getOrDefault("ovs", "auto");
    List<BenchEntry> entries =
        BenchEntry.load(Path.of(opt.getOrDefault("entries", "perf/bench/configurations.yaml")));

    System.out.printf(
        "bench: %d-byte frames, cores main %d / worker %d, %s, %d s warm-up + %d s per row;"
            + " logs in %s%n",
        frameSize,
        s.mainCore(),
        s.workerCore(),
        s.hugepages() ? "hugepages" : "--no-huge",
        s.warmupSeconds(),
        s.seconds(),
        s.logDir());
    double tscHz = TscClock.measureHz(500);
    System.out.printf("bench: TSC %.1f MHz (rdtsc against the monotonic clock)%n", tscHz / 1e6);
    Path basePcap =
        new TrafficSpec(frameSize, 1, TrafficSpec.Destination.UNICAST).writeUnder(workDir);
    List<Measurement> rows = new ArrayList<>();
    if (references) {
      run(
          rows,
          only,
          ResultTable.TESTPMD_IO,
          () -> TestpmdRunner.measure(ResultTable.TESTPMD_IO, "io", s, basePcap, tscHz));
      run(
          rows,
          only,
          ResultTable.TESTPMD_MACSWAP,
          () -> TestpmdRunner.measure(ResultTable.TESTPMD_MACSWAP, "macswap", s, basePcap, tscHz));
    }
    Map<String, Path> pcaps =
        pcaps(
            entries.stream().filter(e -> only.matcher(e.name()).find()).toList(),
            frameSize,
            workDir);
    boolean ovsRuns = ovs.equals("on") || (ovs.equals("auto") && OvsRunner.unavailable() == null);
    for (BenchEntry e : entries) {
      if (!e.isOvs()) {
        run(rows, only, e.name(), () -> VswitchRunner.measure(e, s, pcaps, tscHz));
      } else if (references && ovsRuns) {
        run(rows, only, e.name(), () -> OvsRunner.measure(e, s, pcaps.get(e.name()), tscHz));
      } else if (references && ovs.equals("auto") && only.matcher(e.name()).find()) {
        rows.add(Measurement.skipped(e.name(), OvsRunner.unavailable()));
      }
    }
    rows = VxlanFigures.annotate(rows);
    String table =
        ResultTable.format(rows)
            + "\n"
            + ResultTable.legend(tscHz)
            + "\n"
            + IssueTargets.format(rows);
    System.out.println();
    System.out.print(table);
    if (opt.containsKey("report")) {
      Path report = Path.of(opt.get("report"));
      if (report.getParent() != null) {
        Files.createDirectories(report.getParent());
      }
      Files.writeString(
          report,
          "# vswitch bench "
              + LocalDateTime.now()
              + ", "
              + frameSize
              + "-byte frames, main core "
              + s.mainCore()
              + ", worker core "
              + s.workerCore()
              + "\n"
              + table);
      System.out.println("bench: table written to " + report);
    }
  }

  /**
   * The settings every row shares, from the options USAGE lists (scripts/profile.sh takes the same
   * ones), for the switch JVM {@code javaCommand}.
   */
  public static BenchSettings settings(Map<String, String> opt, List<String> javaCommand)
      throws IOException {
    int mainCore = Integer.parseInt(opt.getOrDefault("main-core", "0"));
    Path workDir =
        opt.containsKey("work-dir")
            ? Files.createDirectories(Path.of(opt.get("work-dir")))
            : Files.createTempDirectory("vswitch-bench-");
    Path logDir = Files.createDirectories(workDir.resolve("logs"));
    return new BenchSettings(
        mainCore,
        Integer.parseInt(opt.getOrDefault("worker-core", "1")),
        Integer.parseInt(opt.getOrDefault("second-core", Integer.toString(mainCore))),
        Integer.parseInt(opt.getOrDefault("frame-size", "64")),
        Integer.parseInt(opt.getOrDefault("warmup", "3")),
        Integer.parseInt(opt.getOrDefault("seconds", "5")),
        !opt.getOrDefault("hugepages", "on").equals("off"),
        Integer.parseInt(opt.getOrDefault("memory-mb", "1024")),
        workDir,
        logDir,
        javaCommand);
  }

  /** Writes each entry's capture (its traffic, {@code frameSize} bytes) under {@code workDir}. */
  public static Map<String, Path> pcaps(List<BenchEntry> entries, int frameSize, Path workDir) {
    Map<String, Path> pcaps = new HashMap<>();
    for (BenchEntry e : entries) {
      TrafficSpec traffic =
          new TrafficSpec(
              frameSize,
              e.traffic().flows(),
              TrafficSpec.Destination.parse(e.traffic().dst()),
              TrafficSpec.Encapsulation.parse(e.traffic().encap()));
      pcaps.put(e.name(), traffic.writeUnder(workDir));
    }
    return pcaps;
  }

  private interface Row {
    Measurement measure();
  }

  private static void run(List<Measurement> rows, Pattern only, String name, Row row) {
    if (!only.matcher(name).find()) {
      return;
    }
    System.out.printf("bench: %-24s ... ", name);
    System.out.flush();
    Measurement m;
    try {
      m = row.measure();
    } catch (RuntimeException e) {
      m = Measurement.failed(name, e.getMessage());
    }
    rows.add(m);
    System.out.println(
        switch (m.status()) {
          case OK -> String.format("%.2f Mpps", m.mpps());
          case SKIPPED -> "not available yet: " + m.note();
          case FAILED -> "FAILED: " + m.note();
        });
  }

  /** The switch's JVM: this JVM's java and class path, with scripts/vswitch's options. */
  public static List<String> switchJvm() {
    String java = ProcessHandle.current().info().command().orElse("java");
    return List.of(
        java,
        "--enable-native-access=ALL-UNNAMED",
        // as scripts/lib/common.sh's VSWITCH_JVM_OPTS, whose VSWITCH_GC picks the collector
        "-XX:+Use" + System.getenv().getOrDefault("VSWITCH_GC", "ZGC"),
        "-Xms256m",
        "-Xmx1g",
        "-cp",
        System.getProperty("java.class.path"));
  }

  public static Map<String, String> parse(String[] args) {
    Map<String, String> out = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + a + "'\n" + USAGE);
      }
      String key = a.substring(2);
      if (key.equals("help") || key.equals("no-references")) {
        out.put(key, "true");
      } else if (key.contains("=")) {
        out.put(key.substring(0, key.indexOf('=')), key.substring(key.indexOf('=') + 1));
      } else if (i + 1 < args.length) {
        out.put(key, args[++i]);
      } else {
        throw new IllegalArgumentException("--" + key + " needs a value\n" + USAGE);
      }
    }
    return out;
  }
}
