package io.vswitch.perf.loop.tail;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which tail samples (frames slower than p99.9) lived through something that would explain them: a
 * safepoint of the switch's JVM or of the generator's, a gap in the generator's own loop (the
 * kernel ran something else on its core, or its JVM stopped it), one of the generator's own
 * /metrics scrapes, or a worker stall that /metrics counted in the window around the frame.
 *
 * <p>A frame sent at s and received at r overlaps an interval when they share an instant. Its
 * <em>excess</em> is its latency minus the trial's p50: what the tail adds. A source "covers" the
 * part of the excess its intervals overlap (capped at the excess), so the per-source share says how
 * much of the tail that source accounts for. The worker-stall histogram has no timestamps, only
 * counts between two scrapes: a frame counts against it when a window it overlaps holds a stall at
 * least half its excess, and the share of all windows holding such a stall says how much that means
 * (a window of 100 ms holds many frames).
 */
public final class TailCorrelation {
  /** A received frame's send and receive instants, CLOCK_MONOTONIC ns. */
  public record Sample(long send, long receive) {
    public long latency() {
      return receive - send;
    }
  }

  /**
   * What one source explains: samples overlapping it and the share of the total excess covered; and
   * how many of its intervals there were, the longest (ns), so that "0 of N" can be told from
   * "there was nothing to overlap".
   */
  public record SourceResult(
      String source, int overlapping, double excessShare, int intervals, long longestNanos) {}

  /** Per sample: latency, and per source what it overlapped (empty: nothing). */
  public record SampleRow(Sample sample, long excess, List<String> hits) {}

  public record Result(
      int samples,
      long p50Nanos,
      List<SourceResult> sources,
      int inStallWindow,
      int stallWindows,
      int stallWindowsWithLargeStall,
      int unexplained,
      List<SampleRow> rows) {

    public SourceResult source(String name) {
      return sources.stream().filter(s -> s.source.equals(name)).findFirst().orElseThrow();
    }

    /** Samples overlapping any source whose name contains {@code word}. */
    public int overlappingAny(String word) {
      int n = 0;
      for (SampleRow row : rows) {
        if (row.hits.stream().anyMatch(h -> h.contains(word))) {
          n++;
        }
      }
      return n;
    }

    public List<String> lines() {
      List<String> out = new ArrayList<>();
      for (SourceResult s : sources) {
        out.add(
            String.format(
                Locale.ROOT,
                "  tail samples overlapping a %s: %d of %d (covers %.1f%% of their excess over"
                    + " p50; %d in the trial, longest %.1f us)",
                s.source,
                s.overlapping,
                samples,
                s.excessShare * 100,
                s.intervals,
                s.longestNanos / 1e3));
      }
      out.add(
          String.format(
              Locale.ROOT,
              "  tail samples in a /metrics window where the worker stalled >= half their excess:"
                  + " %d of %d (such windows: %d of %d)",
              inStallWindow,
              samples,
              stallWindowsWithLargeStall,
              stallWindows));
      out.add(
          String.format(
              Locale.ROOT,
              "  tail samples none of these explains: %d of %d",
              unexplained,
              samples));
      return out;
    }
  }

  private TailCorrelation() {}

  /**
   * Correlates {@code tails} with each named list of intervals (in the map's order) and with the
   * worker-stall windows.
   */
  public static Result correlate(
      List<Sample> tails,
      long p50Nanos,
      Map<String, List<Interval>> sources,
      List<StallScrape.Window> stallWindows) {
    Map<String, Interval[]> sorted = new LinkedHashMap<>();
    Map<String, Long> longest = new LinkedHashMap<>();
    for (Map.Entry<String, List<Interval>> e : sources.entrySet()) {
      Interval[] a = e.getValue().toArray(Interval[]::new);
      java.util.Arrays.sort(a, Comparator.comparingLong(Interval::start));
      sorted.put(e.getKey(), a);
      longest.put(e.getKey(), e.getValue().stream().mapToLong(Interval::length).max().orElse(0));
    }
    Map<String, int[]> overlapping = new LinkedHashMap<>();
    Map<String, long[]> covered = new LinkedHashMap<>();
    sources.keySet().forEach(k -> overlapping.put(k, new int[1]));
    sources.keySet().forEach(k -> covered.put(k, new long[1]));
    long totalExcess = 0;
    int inStall = 0;
    int unexplained = 0;
    List<SampleRow> rows = new ArrayList<>();
    for (Sample t : tails) {
      long excess = Math.max(0, t.latency() - p50Nanos);
      totalExcess += excess;
      List<String> hits = new ArrayList<>();
      for (Map.Entry<String, Interval[]> e : sorted.entrySet()) {
        long overlap = 0;
        boolean touched = false;
        String first = null;
        Interval[] a = e.getValue();
        for (int i = firstStartingAfter(a, t.send - longest.get(e.getKey())); i < a.length; i++) {
          Interval iv = a[i];
          if (iv.start() > t.receive) {
            break;
          }
          if (iv.touches(t.send, t.receive)) {
            touched = true;
            overlap += iv.overlap(t.send, t.receive);
            if (first == null) {
              first = iv.what();
            }
          }
        }
        if (touched) {
          overlapping.get(e.getKey())[0]++;
          covered.get(e.getKey())[0] += Math.min(excess, overlap);
          hits.add(
              String.format(
                  Locale.ROOT,
                  "%s%s %.1fus",
                  e.getKey(),
                  first.isEmpty() ? "" : " \"" + first + "\"",
                  overlap / 1e3));
        }
      }
      long stall = 0;
      for (StallScrape.Window w : stallWindows) {
        if (w.span().touches(t.send, t.receive)) {
          stall = Math.max(stall, w.largestAtLeastNanos());
        }
      }
      if (stall > 0 && 2 * stall >= excess) {
        inStall++;
        hits.add(String.format(Locale.ROOT, "worker stall >= %.1fus", stall / 1e3));
      }
      if (hits.isEmpty()) {
        unexplained++;
      }
      rows.add(new SampleRow(t, excess, hits));
    }
    List<SourceResult> results = new ArrayList<>();
    for (String k : sources.keySet()) {
      results.add(
          new SourceResult(
              k,
              overlapping.get(k)[0],
              totalExcess == 0 ? 0 : covered.get(k)[0] / (double) totalExcess,
              sources.get(k).size(),
              longest.get(k)));
    }
    long smallestExcess = rows.stream().mapToLong(SampleRow::excess).min().orElse(Long.MAX_VALUE);
    int large = 0;
    for (StallScrape.Window w : stallWindows) {
      if (w.largestAtLeastNanos() > 0 && 2 * w.largestAtLeastNanos() >= smallestExcess) {
        large++;
      }
    }
    return new Result(
        tails.size(), p50Nanos, results, inStall, stallWindows.size(), large, unexplained, rows);
  }

  /** The first index whose interval starts at or after {@code from} (a is sorted by start). */
  private static int firstStartingAfter(Interval[] a, long from) {
    int lo = 0;
    int hi = a.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (a[mid].start() < from) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
