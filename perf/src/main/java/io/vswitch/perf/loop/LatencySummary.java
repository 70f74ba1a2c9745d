package io.vswitch.perf.loop;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/** Latency percentiles of one histogram (recorded in ns), printed in µs, saved as .hgrm. */
public record LatencySummary(
    long count, double p50, double p99, double p999, double p9999, double max) {

  /** Lowest and highest trackable values, ns: 1 ns to 10 s, 3 significant digits. */
  public static Histogram newHistogram() {
    return new Histogram(1, 10_000_000_000L, 3);
  }

  public static LatencySummary of(Histogram h) {
    if (h.getTotalCount() == 0) {
      return new LatencySummary(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
    return new LatencySummary(
        h.getTotalCount(),
        h.getValueAtPercentile(50) / 1e3,
        h.getValueAtPercentile(99) / 1e3,
        h.getValueAtPercentile(99.9) / 1e3,
        h.getValueAtPercentile(99.99) / 1e3,
        h.getMaxValue() / 1e3);
  }

  public static String header() {
    return String.format(
        Locale.ROOT,
        "%9s %9s %9s %9s %9s %9s",
        "p50 us",
        "p99 us",
        "p99.9 us",
        "p99.99 us",
        "max us",
        "samples");
  }

  public String row() {
    return String.format(
        Locale.ROOT, "%9.2f %9.2f %9.2f %9.2f %9.2f %9d", p50, p99, p999, p9999, max, count);
  }

  /** Writes HdrHistogram's percentile distribution (values in µs) to {@code file}. */
  public static void saveHgrm(Histogram h, Path file) {
    try (PrintStream out = new PrintStream(new FileOutputStream(file.toFile()), true, "UTF-8")) {
      h.outputPercentileDistribution(out, 1000.0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
