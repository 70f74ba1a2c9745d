package io.vswitch.perf.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LatencySummaryTest {
  @Test
  void percentilesAreInMicroseconds() {
    Histogram h = LatencySummary.newHistogram();
    for (int i = 1; i <= 1000; i++) {
      h.recordValue(i * 1000L); // 1..1000 us
    }
    LatencySummary s = LatencySummary.of(h);
    assertEquals(1000, s.count());
    assertEquals(500, s.p50(), 1);
    assertEquals(990, s.p99(), 2);
    assertEquals(1000, s.max(), 1);
  }

  @Test
  void emptyHistogramHasNoPercentiles() {
    LatencySummary s = LatencySummary.of(LatencySummary.newHistogram());
    assertEquals(0, s.count());
    assertTrue(Double.isNaN(s.p50()));
  }

  @Test
  void savesAPercentileDistribution(@TempDir Path dir) throws Exception {
    Histogram h = LatencySummary.newHistogram();
    h.recordValue(1500);
    Path file = dir.resolve("x.hgrm");
    LatencySummary.saveHgrm(h, file);
    String text = Files.readString(file);
    assertTrue(text.contains("Value     Percentile"), text);
    assertTrue(text.contains("#[Max     =        1.500"), text);
  }
}
