package io.vswitch.perf.loop.tail;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TailCorrelationTest {
  private static Map<String, List<Interval>> sources(
      List<Interval> switchSafepoints, List<Interval> gaps) {
    Map<String, List<Interval>> m = new LinkedHashMap<>();
    m.put("switch JVM safepoint", switchSafepoints);
    m.put("generator loop gap", gaps);
    return m;
  }

  @Test
  void countsTheSamplesEachSourceOverlapsAndTheExcessItCovers() {
    // p50 10 us; three tail frames of 60 us excess (70 us latency)
    List<TailCorrelation.Sample> tails =
        List.of(
            new TailCorrelation.Sample(1_000_000, 1_070_000), // a 50 us safepoint inside
            new TailCorrelation.Sample(2_000_000, 2_070_000), // a 30 us generator gap inside
            new TailCorrelation.Sample(3_000_000, 3_070_000)); // nothing
    TailCorrelation.Result r =
        TailCorrelation.correlate(
            tails,
            10_000,
            sources(
                List.of(new Interval(1_010_000, 1_060_000, "ZMarkEndYoung")),
                List.of(
                    new Interval(500_000, 600_000, ""), // before every frame
                    new Interval(2_020_000, 2_050_000, ""))),
            List.of());
    assertEquals(3, r.samples());
    assertEquals(1, r.source("switch JVM safepoint").overlapping());
    assertEquals(1, r.source("switch JVM safepoint").intervals());
    assertEquals(100_000, r.source("generator loop gap").longestNanos());
    assertEquals(50.0 / 180, r.source("switch JVM safepoint").excessShare(), 1e-9);
    assertEquals(1, r.source("generator loop gap").overlapping());
    assertEquals(30.0 / 180, r.source("generator loop gap").excessShare(), 1e-9);
    assertEquals(1, r.unexplained());
    assertEquals(1, r.overlappingAny("safepoint"));
    assertEquals(List.of(), r.rows().get(2).hits());
    assertEquals(List.of("switch JVM safepoint \"ZMarkEndYoung\" 50.0us"), r.rows().get(0).hits());
    assertEquals(List.of("generator loop gap 30.0us"), r.rows().get(1).hits());
  }

  @Test
  void aLongIntervalStartingWellBeforeTheFrameStillOverlaps() {
    List<TailCorrelation.Sample> tails = List.of(new TailCorrelation.Sample(5_000, 6_000));
    TailCorrelation.Result r =
        TailCorrelation.correlate(
            tails,
            100,
            sources(
                List.of(
                    new Interval(0, 10_000, "long"), new Interval(1_000, 2_000, "short before")),
                List.of()),
            List.of());
    assertEquals(1, r.source("switch JVM safepoint").overlapping());
    assertEquals(1.0, r.source("switch JVM safepoint").excessShare(), 1e-9); // capped at the excess
  }

  @Test
  void aWorkerStallCountsOnlyWhenItIsAtLeastHalfTheExcess() {
    List<TailCorrelation.Sample> tails =
        List.of(
            new TailCorrelation.Sample(1_000, 41_000), // excess 40 us
            new TailCorrelation.Sample(200_000, 300_000)); // excess 100 us
    List<StallScrape.Window> windows =
        List.of(
            new StallScrape.Window(new Interval(0, 150_000, "worker stall"), 32_768, 10),
            new StallScrape.Window(new Interval(150_000, 400_000, "worker stall"), 0, 10));
    TailCorrelation.Result r =
        TailCorrelation.correlate(tails, 0, sources(List.of(), List.of()), windows);
    assertEquals(1, r.inStallWindow());
    assertEquals(2, r.stallWindows());
    assertEquals(1, r.stallWindowsWithLargeStall());
    assertEquals(1, r.unexplained());
  }

  @Test
  void noTailNoShare() {
    TailCorrelation.Result r =
        TailCorrelation.correlate(List.of(), 0, sources(List.of(), List.of()), List.of());
    assertEquals(0, r.samples());
    assertEquals(0, r.source("generator loop gap").excessShare());
  }
}
