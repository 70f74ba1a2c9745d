package io.vswitch.perf.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * dpdk-testpmd as the C reference: one forwarding core between the same generator and sink ports
 * the switch gets. The rate is testpmd's own Tx-pps of the sink port, which it computes from the
 * TSC each stats period (--stats-period 1): samples after the warm-up are averaged, so how the pipe
 * buffers its output does not matter.
 */
public final class TestpmdRunner {
  private static final Pattern PORT = Pattern.compile("NIC statistics for port (\\d+)");
  private static final Pattern TX_PPS = Pattern.compile("Tx-pps:\\s+(\\d+)");

  private static final String FILE_PREFIX =
      "vswitch-bench-testpmd-" + ProcessHandle.current().pid();

  private TestpmdRunner() {}

  /** Measures testpmd in {@code mode} (io, macswap, mac, ...). */
  public static Measurement measure(
      String name, String mode, BenchSettings s, Path pcap, double tscHz) {
    List<String> cmd = new ArrayList<>();
    cmd.add("dpdk-testpmd");
    cmd.add("-l");
    cmd.add(s.mainCore() + "," + s.workerCore());
    cmd.add("--main-lcore=" + s.mainCore());
    cmd.add("-n");
    cmd.add("1");
    cmd.addAll(s.ealMemoryArgs());
    cmd.add("--no-pci");
    cmd.add("--no-telemetry");
    // EAL makes /var/run/dpdk/<prefix> even --in-memory and leaves it: our own prefix, removed
    cmd.add("--file-prefix=" + FILE_PREFIX);
    cmd.add("--log-level=warning");
    cmd.add("--vdev=" + BenchSettings.generator(0, pcap));
    cmd.add("--vdev=" + BenchSettings.sink(0));
    cmd.add("--");
    cmd.add("--forward-mode=" + mode);
    cmd.add("--nb-cores=1");
    cmd.add("--burst=32");
    cmd.add("--stats-period=1");
    cmd.add("--auto-start");
    try (ChildProcess testpmd = ChildProcess.start(name, cmd, s.logDir().resolve(name + ".log"))) {
      return measure(testpmd, name, mode, s, tscHz);
    } finally {
      OvsRunner.deleteTree(Path.of("/var/run/dpdk", FILE_PREFIX));
    }
  }

  private static Measurement measure(
      ChildProcess testpmd, String name, String mode, BenchSettings s, double tscHz) {
    String started =
        testpmd.awaitLine(
            l -> l.contains("NIC statistics for port") || l.contains("EAL: Error"), 30_000);
    if (started == null || started.contains("Error")) {
      return Measurement.failed(name, "testpmd did not start; see " + name + ".log");
    }
    // Sample 0 covers start-up, then the warm-up: the forwarding lcore's CPU is read over the
    // seconds whose Tx-pps samples are averaged.
    sleep((1 + s.warmupSeconds()) * 1000L);
    ThreadCpu.Sample c0 = ThreadCpu.sample(testpmd.pid(), ThreadCpu.DPDK_LCORES);
    sleep(s.seconds() * 1000L);
    ThreadCpu.Sample c1 = ThreadCpu.sample(testpmd.pid(), ThreadCpu.DPDK_LCORES);
    sleep(1000);
    if (!testpmd.isAlive()) {
      return Measurement.failed(name, "testpmd exited early; see " + name + ".log");
    }
    testpmd.stop(); // SIGTERM: testpmd stops, flushes its output, exits
    List<Long> samples = txPps(testpmd.lines(), 1);
    // Sample 0 covers start-up; then warm-up samples; then the measured ones.
    int from = Math.min(samples.size(), 1 + s.warmupSeconds());
    int to = Math.min(samples.size(), from + s.seconds());
    if (to - from < 1) {
      return Measurement.failed(name, "no testpmd rate samples after the warm-up");
    }
    double sum = 0;
    for (long v : samples.subList(from, to)) {
      sum += v;
    }
    return Measurement.ok(name, sum / (to - from) / 1e6, Double.NaN, "C reference, " + mode)
        .withCpu(c1.coresSince(c0), tscHz);
  }

  /** The Tx-pps values testpmd printed for {@code port}, in order. */
  static List<Long> txPps(List<String> lines, int port) {
    List<Long> out = new ArrayList<>();
    int current = -1;
    for (String line : lines) {
      Matcher p = PORT.matcher(line);
      if (p.find()) {
        current = Integer.parseInt(p.group(1));
        continue;
      }
      Matcher t = TX_PPS.matcher(line);
      if (current == port && t.find()) {
        out.add(Long.parseLong(t.group(1)));
      }
    }
    return out;
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
