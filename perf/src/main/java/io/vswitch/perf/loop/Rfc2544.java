package io.vswitch.perf.loop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * RFC 2544 through the switch over the virtio-user/vhost-user loop: per frame size, throughput
 * (26.1, binary search for zero loss), latency at that rate (26.2, HdrHistogram instead of a single
 * tagged frame), frame loss rate against offered load (26.3, 10% steps of the most the generator
 * offers) and back-to-back frames (26.4, longest burst with no loss). Writes a table and a
 * self-contained HTML report with inline SVG plots.
 */
public final class Rfc2544 {
  public static final List<Integer> SIZES = List.of(64, 128, 256, 512, 1024, 1280, 1518);
  static final int MAX_BURST = 8192;

  /** Everything measured at one frame size. */
  public record SizeResult(
      int frameSize,
      double generatorMpps,
      double throughputMpps,
      int trials,
      LatencySummary latency,
      double[] offeredMpps,
      double[] lossPercent,
      long backToBack) {

    /** Throughput in Gbit/s of frames (FCS included) as RFC 2544 counts them. */
    public double throughputGbps() {
      return throughputMpps * 1e6 * frameSize * 8 / 1e9;
    }
  }

  private Rfc2544() {}

  static void run(LoopGenerator gen, Map<String, String> opt, Path out) {
    List<Integer> sizes =
        opt.containsKey("sizes")
            ? Arrays.stream(opt.get("sizes").split(",")).map(Integer::parseInt).toList()
            : SIZES;
    long trialNanos = (long) (Double.parseDouble(opt.getOrDefault("trial-seconds", "2")) * 1e9);
    double resolution = Double.parseDouble(opt.getOrDefault("resolution", "0.01"));
    int lossSteps = Integer.parseInt(opt.getOrDefault("loss-steps", "10"));
    List<SizeResult> results = new ArrayList<>();
    gen.run(64, 0, 1_000_000_000L, LoopMain.DRAIN_NANOS, null); // warm-up
    for (int size : sizes) {
      LoopGenerator.Trial max = gen.run(size, 0, trialNanos, LoopMain.DRAIN_NANOS, null);
      double maxPps = max.sentMpps() * 1e6;
      ThroughputSearch.Result tput =
          ThroughputSearch.search(
              maxPps,
              maxPps * resolution,
              14,
              pps -> {
                LoopGenerator.Trial t = gen.run(size, pps, trialNanos, LoopMain.DRAIN_NANOS, null);
                return t.received() > 0 && t.received() >= t.sent();
              });
      Histogram h = LatencySummary.newHistogram();
      if (tput.value() > 0) {
        gen.run(size, tput.value(), trialNanos, LoopMain.DRAIN_NANOS, h);
        LatencySummary.saveHgrm(h, out.resolve("rfc2544-latency-" + size + "b.hgrm"));
      }
      double[] offered = new double[lossSteps];
      double[] loss = new double[lossSteps];
      for (int i = 0; i < lossSteps; i++) {
        double pps = maxPps * (i + 1) / lossSteps;
        LoopGenerator.Trial t = gen.run(size, pps, trialNanos, LoopMain.DRAIN_NANOS, null);
        offered[i] = t.sentMpps();
        loss[i] = t.lossRatio() * 100;
      }
      ThroughputSearch.Result b2b =
          ThroughputSearch.search(
              MAX_BURST,
              16,
              12,
              n -> {
                LoopGenerator.Trial t = gen.burst(size, (long) n, LoopMain.DRAIN_NANOS);
                return t.sent() == (long) n && t.received() >= t.sent();
              });
      SizeResult r =
          new SizeResult(
              size,
              max.sentMpps(),
              tput.value() / 1e6,
              tput.steps().size(),
              LatencySummary.of(h),
              offered,
              loss,
              (long) b2b.value());
      results.add(r);
      System.out.println(tableRow(r));
    }
    String table = table(results);
    System.out.println();
    System.out.print(table);
    try {
      Files.writeString(out.resolve("rfc2544.txt"), table);
      Files.writeString(out.resolve("rfc2544.html"), Rfc2544Html.render(results, table));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    System.out.println("rfc2544: report in " + out.resolve("rfc2544.html"));
  }

  public static String table(List<SizeResult> results) {
    StringBuilder b = new StringBuilder();
    b.append(tableHeader()).append('\n');
    for (SizeResult r : results) {
      b.append(tableRow(r)).append('\n');
    }
    b.append("\nframe loss rate (%) against offered load (% of the generator's most):\n");
    for (SizeResult r : results) {
      b.append(String.format(Locale.ROOT, "%5d B:", r.frameSize()));
      for (int i = 0; i < r.lossPercent().length; i++) {
        b.append(
            String.format(
                Locale.ROOT,
                " %d%%=%.3f",
                (i + 1) * 100 / r.lossPercent().length,
                r.lossPercent()[i]));
      }
      b.append('\n');
    }
    return b.toString();
  }

  static String tableHeader() {
    return String.format(
        Locale.ROOT,
        "%6s %9s %10s %8s %7s %s %12s",
        "frame",
        "gen Mpps",
        "tput Mpps",
        "Gbit/s",
        "trials",
        LatencySummary.header(),
        "b2b frames");
  }

  static String tableRow(SizeResult r) {
    return String.format(
        Locale.ROOT,
        "%6d %9.3f %10.3f %8.2f %7d %s %12d",
        r.frameSize(),
        r.generatorMpps(),
        r.throughputMpps(),
        r.throughputGbps(),
        r.trials(),
        r.latency().row(),
        r.backToBack());
  }
}
