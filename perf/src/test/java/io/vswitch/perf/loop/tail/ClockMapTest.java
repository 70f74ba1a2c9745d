package io.vswitch.perf.loop.tail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ClockMapTest {
  @Test
  void mapsTicksOnTheLineThroughBothReadings() {
    // 2.5 GHz TSC: 2,500,000,000 ticks in one second of monotonic time
    ClockMap m = ClockMap.between(1_000_000L, 7_000_000_000L, 2_501_000_000L, 8_000_000_000L);
    assertEquals(7_000_000_000L, m.nanos(1_000_000L));
    assertEquals(8_000_000_000L, m.nanos(2_501_000_000L));
    assertEquals(7_000_000_400L, m.nanos(1_001_000L));
    assertEquals(6_999_999_600L, m.nanos(999_000L)); // before the first reading too
  }

  @Test
  void refusesReadingsOutOfOrder() {
    assertThrows(IllegalArgumentException.class, () -> ClockMap.between(10, 0, 10, 5));
  }
}
