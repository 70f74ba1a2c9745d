package io.vswitch.perf.loop;

import io.vswitch.ffm.Eal;
import io.vswitch.perf.loop.tail.ClockMap;
import io.vswitch.perf.loop.tail.CoreLayout;
import io.vswitch.perf.loop.tail.Interval;
import io.vswitch.perf.loop.tail.IntervalLog;
import io.vswitch.perf.loop.tail.SafepointLog;
import io.vswitch.perf.loop.tail.SchedReading;
import io.vswitch.perf.loop.tail.StallScrape;
import io.vswitch.perf.loop.tail.StallScraper;
import io.vswitch.perf.loop.tail.TailCapture;
import io.vswitch.perf.loop.tail.TailCorrelation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The latency mode of {@link LoopMain}: the most the loop delivers, then one trial per load (a
 * fraction of that), each preceded by a one-second trial at the same load whose p90 becomes the
 * threshold above which the measured trial keeps its frames' send and receive instants. After each
 * trial the frames above its p99.9 are correlated ({@link TailCorrelation}) with the safepoints of
 * both JVMs (their -Xlog:safepoint files), the generator's own loop gaps and the worker-stall
 * histogram scraped from the switch's /metrics.
 */
final class LatencyBench {
  private static final int TAIL_CAPACITY = 1 << 22;
  private static final int GAP_CAPACITY = 1 << 18;

  private final LoopGenerator gen;
  private final Map<String, String> opt;
  private final Path out;
  private final double ticksPerNano = Eal.current().tscHz() / 1e9;
  private final List<String> report = new ArrayList<>();

  LatencyBench(LoopGenerator gen, Map<String, String> opt, Path out) {
    this.gen = gen;
    this.opt = opt;
    this.out = out;
  }

  void run() {
    int size = Integer.parseInt(opt.getOrDefault("frame-size", "64"));
    long nanos = (long) (Double.parseDouble(opt.getOrDefault("seconds", "5")) * 1e9);
    double[] loads =
        Arrays.stream(opt.getOrDefault("loads", "0.1,0.5,0.9").split(","))
            .mapToDouble(Double::parseDouble)
            .toArray();
    long gapNanos = (long) (Double.parseDouble(opt.getOrDefault("gap-us", "5")) * 1e3);
    CoreLayout layout =
        new CoreLayout(
            Integer.parseInt(opt.getOrDefault("core", "0")),
            Integer.parseInt(opt.getOrDefault("worker-core", "-1")),
            Integer.parseInt(opt.getOrDefault("main-core", "-1")),
            Integer.parseInt(
                opt.getOrDefault(
                    "online-cores", Integer.toString(io.vswitch.ffm.CpuAffinity.onlineCpus()))));
    Path workerSched =
        opt.containsKey("switch-pid")
            ? SchedReading.findThread(Long.parseLong(opt.get("switch-pid")), "vswitch-worker0")
            : null;
    TailCapture capture = new TailCapture(TAIL_CAPACITY, GAP_CAPACITY);
    StallScraper scraper = startScraper(layout.main());
    try {
      gen.run(size, 0, 1_000_000_000L, LoopMain.DRAIN_NANOS, null); // warm-up: JIT, rings, caches
      LoopGenerator.Trial max = gen.run(size, 0, nanos, LoopMain.DRAIN_NANOS, null);
      double maxPps = max.receivedMpps() * 1e6;
      emit(layout.describe());
      emit(
          "  machine load average (1/5/15 min): "
              + loadAverage()
              + " on "
              + layout.online()
              + " cores");
      emit(
          String.format(
              Locale.ROOT,
              "latency: %d-byte frames; most the loop delivers: %.3f Mpps (sent %.3f Mpps, lost"
                  + " %.4f%%)",
              size,
              max.receivedMpps(),
              max.sentMpps(),
              max.lossRatio() * 100));
      emit(
          String.format(
              Locale.ROOT,
              "%6s %10s %10s %9s %s %6s %6s",
              "load",
              "offered",
              "received",
              "loss %",
              LatencySummary.header(),
              "tail",
              "in sp"));
      List<String> details = new ArrayList<>();
      for (double load : loads) {
        String name = String.format(Locale.ROOT, "latency-%db-load%03.0f", size, load * 100);
        Histogram pre = LatencySummary.newHistogram();
        gen.run(size, maxPps * load, 1_000_000_000L, LoopMain.DRAIN_NANOS, pre);
        // p90, not p99: on a loaded machine one second's p99 was above the next five seconds'
        // p99.9, and nothing was kept. ~10% of the frames fit the log at these rates.
        long threshold = pre.getTotalCount() == 0 ? 0 : pre.getValueAtPercentile(90);
        capture.reset((long) (threshold * ticksPerNano), (long) (gapNanos * ticksPerNano));
        Histogram h = LatencySummary.newHistogram();
        SchedReading sched0 = SchedReading.now(workerSched);
        long tsc0 = Eal.rdtsc();
        long nanos0 = System.nanoTime();
        LoopGenerator.Trial t =
            gen.run(size, maxPps * load, nanos, LoopMain.DRAIN_NANOS, h, capture);
        long tsc1 = Eal.rdtsc();
        long nanos1 = System.nanoTime();
        SchedReading sched = SchedReading.now(workerSched).minus(sched0);
        LatencySummary s = LatencySummary.of(h);
        LatencySummary.saveHgrm(h, out.resolve(name + ".hgrm"));
        TailCorrelation.Result c =
            correlate(
                ClockMap.between(tsc0, nanos0, tsc1, nanos1), nanos0, nanos1, h, capture, scraper);
        emit(
            String.format(
                Locale.ROOT,
                "%5.0f%% %10.3f %10.3f %9.4f %s %6d %6d",
                load * 100,
                t.sentMpps(),
                t.receivedMpps(),
                t.lossRatio() * 100,
                s.row(),
                c.samples(),
                c.overlappingAny("safepoint")));
        details.add(
            String.format(
                Locale.ROOT,
                "load %.0f%%: %d frames above p99.9 (%.2f us); tail samples overlapping a"
                    + " safepoint: %d of %d%s",
                load * 100,
                c.samples(),
                s.p999(),
                c.overlappingAny("safepoint"),
                c.samples(),
                threshold > h.getValueAtPercentile(99.9)
                    ? String.format(
                        Locale.ROOT,
                        " (only frames above %.2f us were kept: the pre-trial's p90)",
                        threshold / 1e3)
                    : ""));
        details.addAll(c.lines());
        details.add(sched.describe());
        if (capture.samples().dropped() > 0) {
          details.add("  (" + capture.samples().dropped() + " slow frames not kept: log full)");
        }
        writeRows(out.resolve(name + "-tail.txt"), c, nanos0);
      }
      details.forEach(this::emit);
      if (scraper != null && scraper.failure() != null) {
        emit("(worker-stall scrapes failed: " + scraper.failure() + ")");
      }
      if (!layout.generatorShares()) {
        emit("target: p99.9 < 20 us at 50% load (generator on a core of its own)");
      } else {
        emit(
            "target (p99.9 < 20 us at 50% load) needs a core for the generator alone: not this"
                + " layout; the numbers above include the generator sharing its core");
      }
      Files.writeString(out.resolve("latency.txt"), String.join("\n", report) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (scraper != null) {
        scraper.close();
      }
    }
    System.out.println("latency: .hgrm histograms (values in us), tail correlation in " + out);
  }

  private StallScraper startScraper(int core) {
    String socket = opt.get("api-socket");
    long period = Long.parseLong(opt.getOrDefault("scrape-ms", "100"));
    if (socket == null || period <= 0) {
      return null;
    }
    return new StallScraper(Path.of(socket), period, core).start();
  }

  private TailCorrelation.Result correlate(
      ClockMap clock, long from, long to, Histogram h, TailCapture capture, StallScraper scraper)
      throws IOException {
    long p999 = h.getTotalCount() == 0 ? Long.MAX_VALUE : h.getValueAtPercentile(99.9);
    List<TailCorrelation.Sample> tails = new ArrayList<>();
    IntervalLog samples = capture.samples();
    for (int i = 0; i < samples.size(); i++) {
      TailCorrelation.Sample sample =
          new TailCorrelation.Sample(clock.nanos(samples.start(i)), clock.nanos(samples.end(i)));
      if (sample.latency() > p999) {
        tails.add(sample);
      }
    }
    Map<String, List<Interval>> sources = new LinkedHashMap<>();
    sources.put("switch JVM safepoint", safepoints("switch-safepoint-log", from, to));
    sources.put("generator JVM safepoint", safepoints("safepoint-log", from, to));
    List<Interval> gaps = new ArrayList<>();
    IntervalLog g = capture.gaps();
    for (int i = 0; i < g.size(); i++) {
      gaps.add(new Interval(clock.nanos(g.start(i)), clock.nanos(g.end(i)), ""));
    }
    sources.put("generator loop gap", gaps);
    List<StallScrape.Window> windows = List.of();
    if (scraper != null) {
      sources.put("/metrics scrape", scraper.requests(from, to));
      long margin = 2_000_000_000L;
      windows =
          StallScrape.windows(scraper.scrapes(from - margin, to + margin)).stream()
              .filter(w -> w.span().touches(from, to))
              .toList();
    }
    return TailCorrelation.correlate(tails, h.getValueAtPercentile(50), sources, windows);
  }

  /** The safepoints in the log named by option {@code key} that touch [from, to]. */
  private List<Interval> safepoints(String key, long from, long to) throws IOException {
    String file = opt.get(key);
    if (file == null || !Files.exists(Path.of(file))) {
      return List.of();
    }
    return SafepointLog.parse(Files.readAllLines(Path.of(file))).stream()
        .filter(i -> i.touches(from, to))
        .toList();
  }

  private static void writeRows(Path file, TailCorrelation.Result c, long origin)
      throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add("# frames above p99.9; times in us since the trial began (CLOCK_MONOTONIC)");
    lines.addAll(c.lines());
    lines.add(
        String.format(
            Locale.ROOT, "%12s %12s %10s  %s", "sent", "received", "latency", "overlaps"));
    for (TailCorrelation.SampleRow row : c.rows()) {
      lines.add(
          String.format(
              Locale.ROOT,
              "%12.3f %12.3f %10.3f  %s",
              (row.sample().send() - origin) / 1e3,
              (row.sample().receive() - origin) / 1e3,
              row.sample().latency() / 1e3,
              row.hits().isEmpty() ? "-" : String.join("; ", row.hits())));
    }
    Files.write(file, lines);
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  private void emit(String line) {
    System.out.println(line);
    report.add(line);
  }
}
