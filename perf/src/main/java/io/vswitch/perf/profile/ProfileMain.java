package io.vswitch.perf.profile;

import io.vswitch.ffm.Eal;
import io.vswitch.perf.bench.BenchEntry;
import io.vswitch.perf.bench.BenchSettings;
import io.vswitch.perf.bench.EndToEndBench;
import io.vswitch.perf.bench.Measurement;
import io.vswitch.perf.bench.TscClock;
import io.vswitch.perf.bench.VswitchRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Profiles the switch on one end-to-end bench row: the same generator, sink, cores and switch
 * (VswitchRunner) as scripts/bench.sh, with async-profiler loaded into the switch for the measured
 * window. Writes a flame graph, the collapsed stacks and a breakdown of the worker's samples into
 * stages and native code, in % and in cycles per packet. scripts/profile.sh is the way in; run it
 * with --help.
 */
public final class ProfileMain {
  private ProfileMain() {}

  static final String USAGE =
      """
      usage: ProfileMain --row NAME [options]
        --row NAME         the entry of perf/bench/configurations.yaml to run (e.g. l2-access-trunk)
        --out DIR          flame.html, stacks.collapsed, breakdown.txt go here (default: work dir)
        --event E          async-profiler event: cpu (perf_events cpu-clock, default), itimer,
                           ctimer, cycles (needs a hardware PMU)
        --interval-us N    sampling interval in us of CPU time (default 1000)
        --cstack MODE      async-profiler's native stack walker (default vm; default = its own)
        --agent-options S  more async-profiler start options, comma-separated (e.g. features=vtable)
        --tsc-hz N         TSC ticks per second (default: measured here against System.nanoTime)
        --warmup S         seconds of forwarding before the profiled window (default 5)
        --seconds S        profiled seconds (default 10)
        --frame-size N, --main-core C, --worker-core C, --second-core C, --hugepages on|off,
        --memory-mb N, --entries FILE, --work-dir DIR   as scripts/bench.sh
      """;

  /** How many leaf frames the breakdown lists by name. */
  static final int TOP_SELF_FRAMES = 30;

  public static void main(String[] args) throws IOException {
    Map<String, String> opt = new HashMap<>(Map.of("warmup", "5", "seconds", "10"));
    opt.putAll(EndToEndBench.parse(args));
    if (opt.containsKey("help") || !opt.containsKey("row")) {
      System.out.print(USAGE);
      if (!opt.containsKey("help")) {
        System.exit(2);
      }
      return;
    }
    String rowName = opt.get("row");
    List<BenchEntry> entries =
        BenchEntry.load(Path.of(opt.getOrDefault("entries", "perf/bench/configurations.yaml")));
    BenchEntry entry =
        entries.stream()
            .filter(e -> e.name().equals(rowName))
            .findFirst()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "no row '"
                            + rowName
                            + "' in the configurations; there are: "
                            + entries.stream().map(BenchEntry::name).toList()));
    List<String> jvm = new ArrayList<>(EndToEndBench.switchJvm());
    // Debug info at every PC, not only at safepoints: without it a sample is charged to the
    // nearest safepoint's (often another inlined) method. The compiled code stays the same.
    jvm.add("-XX:+UnlockDiagnosticVMOptions");
    jvm.add("-XX:+DebugNonSafepoints");
    jvm.add("-XX:+EnableDynamicAgentLoading"); // the agent is loaded after the warm-up, on purpose
    BenchSettings s = EndToEndBench.settings(opt, jvm);
    Path out =
        Files.createDirectories(Path.of(opt.getOrDefault("out", s.workDir().toString())))
            .toAbsolutePath();
    double tscHz =
        opt.containsKey("tsc-hz") ? Double.parseDouble(opt.get("tsc-hz")) : measureTscHz();
    Map<String, Path> pcaps = EndToEndBench.pcaps(List.of(entry), s.frameSize(), s.workDir());
    AsyncProfilerAgent agent = AsyncProfilerAgent.extractTo(s.workDir());
    ProfiledWindow window =
        new ProfiledWindow(
            agent,
            startCommand(opt),
            out.resolve("stacks.collapsed"),
            out.resolve("flame.html"),
            s.workerCore());

    System.out.printf(
        "profile: %s, %d-byte frames, worker core %d, %d s warm-up + %d s profiled (%s)%n",
        rowName, s.frameSize(), s.workerCore(), s.warmupSeconds(), s.seconds(), window.start());
    Measurement m = VswitchRunner.measure(entry, s, pcaps, TscClock.measureHz(200), window);
    if (m.status() != Measurement.Status.OK) {
      System.err.println("profile: the row did not run: " + m.status() + ": " + m.note());
      System.exit(1);
    }
    List<String> stacks = Files.readAllLines(out.resolve("stacks.collapsed"));
    StackBreakdown breakdown = StackBreakdown.of(stacks);
    double pps = m.mpps() * 1e6;
    double onCpu = window.onCpuFraction();
    double wallCycles = tscHz / pps;
    double cpuCycles = wallCycles * onCpu;
    String text =
        String.format(
                "# vswitch profile %s: row %s (%s), %d-byte frames%n",
                LocalDateTime.now().withNano(0), rowName, entry.description(), s.frameSize())
            + String.format(
                "rate   %.3f Mpps in the profiled window (counter file, %d s)%n",
                m.mpps(), s.seconds())
            + String.format(
                "worker tid %s: on a CPU %.1f%% of the window; steal on core %d: %.1f%%;"
                    + " load average %s -> %s%n",
                window.tids(),
                onCpu * 100,
                s.workerCore(),
                window.stealFraction() * 100,
                window.loadBefore(),
                window.loadAfter())
            + String.format(
                "TSC    %.1f MHz -> %.1f cycles/packet (tsc_hz / pps), %.1f on-CPU (x on-CPU share);"
                    + " the table uses the on-CPU figure%n",
                tscHz / 1e6, wallCycles, cpuCycles)
            + String.format(
                "agent  async-profiler 4.1 '%s', %d worker samples%n%n",
                window.start(), breakdown.total())
            + breakdown.format(cpuCycles, TOP_SELF_FRAMES);
    Files.writeString(out.resolve("breakdown.txt"), text);
    System.out.println();
    System.out.print(text);
    System.out.println("profile: flame graph, stacks and breakdown in " + out);
  }

  static String startCommand(Map<String, String> opt) {
    StringBuilder cmd =
        new StringBuilder("start,event=")
            .append(opt.getOrDefault("event", "cpu"))
            .append(",interval=")
            .append(Long.parseLong(opt.getOrDefault("interval-us", "1000")) * 1000)
            .append(",threads,ann");
    // vm: HotSpot's own stack walker, which crosses from the stripped DPDK code back into Java
    // (the default walker loses the Java caller of every native frame: [unknown_Java])
    String cstack = opt.getOrDefault("cstack", "vm");
    if (!cstack.equals("default")) {
      cmd.append(",cstack=").append(cstack);
    }
    if (opt.containsKey("agent-options")) {
      cmd.append(',').append(opt.get("agent-options"));
    }
    return cmd.toString();
  }

  /**
   * TSC ticks per second, against System.nanoTime over 200 ms; DPDK calibrates the same way when
   * the CPU does not state it. The same clock the switch's worker reads, on the same machine.
   */
  static double measureTscHz() {
    Eal.rdtsc(); // loads the shim and links the downcall, outside the measured interval
    long n0 = System.nanoTime();
    long t0 = Eal.rdtsc();
    try {
      Thread.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    long n1 = System.nanoTime();
    long t1 = Eal.rdtsc();
    return (t1 - t0) * 1e9 / (n1 - n0);
  }

  /**
   * The profiled window: starts async-profiler on the worker threads when the bench opens its
   * window, reads the workers' on-CPU time and the core's steal around it, and at the close dumps
   * the collapsed stacks and stops with the flame graph.
   */
  static final class ProfiledWindow implements VswitchRunner.Window {
    private final AsyncProfilerAgent agent;
    private final String start;
    private final Path collapsed;
    private final Path flame;
    private final int core;
    private WorkerThreads workers;
    private long cpu0;
    private long cpu1;
    private long wall0;
    private long wall1;
    private long[] stat0;
    private long[] stat1;
    private String loadBefore = "?";
    private String loadAfter = "?";

    ProfiledWindow(AsyncProfilerAgent agent, String start, Path collapsed, Path flame, int core) {
      this.agent = agent;
      this.start = start;
      this.collapsed = collapsed;
      this.flame = flame;
      this.core = core;
    }

    String start() {
      return start;
    }

    @Override
    public void opened(long pid) {
      workers = WorkerThreads.of(pid);
      // Every thread is sampled (async-profiler's tid filter holds for wall-clock mode only); the
      // breakdown keeps the worker's stacks, which "threads" roots at the thread's name.
      agent.execute(pid, start);
      loadBefore = loadAverage();
      stat0 = cpuStat(core);
      cpu0 = workers.onCpuNanos();
      wall0 = System.nanoTime();
    }

    @Override
    public void closed(long pid) {
      wall1 = System.nanoTime();
      cpu1 = workers.onCpuNanos();
      stat1 = cpuStat(core);
      loadAfter = loadAverage();
      agent.execute(pid, "dump,collapsed,ann,file=" + collapsed);
      agent.execute(pid, "stop,flamegraph,ann,title=vswitch-worker,file=" + flame);
    }

    List<Long> tids() {
      return workers.tids();
    }

    double onCpuFraction() {
      return (double) (cpu1 - cpu0) / ((wall1 - wall0) * (double) workers.tids().size());
    }

    /** Steal / all ticks of the worker's core over the window (0 when the kernel has no steal). */
    double stealFraction() {
      if (stat0 == null || stat1 == null) {
        return 0;
      }
      long all = 0;
      for (int i = 0; i < stat0.length; i++) {
        all += stat1[i] - stat0[i];
      }
      return stat0.length > 7 && all > 0 ? (double) (stat1[7] - stat0[7]) / all : 0;
    }

    String loadBefore() {
      return loadBefore;
    }

    String loadAfter() {
      return loadAfter;
    }

    private static String loadAverage() {
      try {
        String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
        return f[0] + "/" + f[1];
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** The cpuN line of /proc/stat: user nice system idle iowait irq softirq steal ... */
    private static long[] cpuStat(int cpu) {
      try {
        for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
          if (line.startsWith("cpu" + cpu + " ")) {
            String[] f = line.trim().split("\\s+");
            long[] out = new long[f.length - 1];
            for (int i = 1; i < f.length; i++) {
              out[i - 1] = Long.parseLong(f[i]);
            }
            return out;
          }
        }
        return null;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
