package io.vswitch.perf.loop.tail;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One reading of a worker's stall histogram from the switch's /metrics ({@code
 * vswitch_worker_stall_seconds_bucket{worker="W",le="..."}}, cumulative, log2 buckets) and when it
 * was taken (CLOCK_MONOTONIC ns before the request and after the reply). The histogram has no
 * timestamps, so two readings bound when the gaps counted between them happened: {@link
 * #windowSince} is that window and the largest gap in it.
 */
public record StallScrape(long before, long after, double[] upperBoundsNanos, long[] cumulative) {

  /** The gaps counted between two readings: when, and the largest one's lower bound, ns. */
  public record Window(Interval span, long largestAtLeastNanos, long gaps) {}

  /** Parses the buckets of {@code worker} from a /metrics text; null when it has none. */
  public static StallScrape parse(String metrics, int worker, long before, long after) {
    String prefix = "vswitch_worker_stall_seconds_bucket{worker=\"" + worker + "\",le=\"";
    List<double[]> rows = new ArrayList<>();
    for (String line : metrics.split("\n")) {
      if (!line.startsWith(prefix)) {
        continue;
      }
      int close = line.indexOf('"', prefix.length());
      String le = line.substring(prefix.length(), close);
      double bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le) * 1e9;
      long count = Long.parseLong(line.substring(line.indexOf("} ", close) + 2).trim());
      rows.add(new double[] {bound, count});
    }
    if (rows.isEmpty()) {
      return null;
    }
    double[] bounds = new double[rows.size()];
    long[] counts = new long[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      bounds[i] = rows.get(i)[0];
      counts[i] = (long) rows.get(i)[1];
    }
    return new StallScrape(before, after, bounds, counts);
  }

  /**
   * The gaps counted since {@code earlier}: in the span from its request to this reply, the largest
   * at least the lower bound of the highest bucket that grew (0 when only the first bucket grew,
   * which holds every normal pass).
   */
  public Window windowSince(StallScrape earlier) {
    if (earlier.cumulative.length != cumulative.length) {
      throw new IllegalArgumentException("the two readings have different buckets");
    }
    long largest = 0;
    long previousDelta = 0;
    for (int i = 0; i < cumulative.length; i++) {
      long delta = cumulative[i] - earlier.cumulative[i];
      if (delta > previousDelta && i > 0) {
        largest = (long) upperBoundsNanos[i - 1];
      }
      previousDelta = delta;
    }
    long gaps = cumulative[cumulative.length - 1] - earlier.cumulative[cumulative.length - 1];
    return new Window(new Interval(earlier.before, after, "worker stall"), largest, gaps);
  }

  /** The windows between consecutive readings. */
  public static List<Window> windows(List<StallScrape> scrapes) {
    List<Window> out = new ArrayList<>();
    for (int i = 1; i < scrapes.size(); i++) {
      out.add(scrapes.get(i).windowSince(scrapes.get(i - 1)));
    }
    return out;
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT, "StallScrape[%d..%d, %d buckets]", before, after, cumulative.length);
  }
}
