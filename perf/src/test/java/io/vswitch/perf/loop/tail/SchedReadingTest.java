package io.vswitch.perf.loop.tail;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SchedReadingTest {
  @Test
  void readsRunWaitAndSlicesOfAThread() {
    SchedReading.ThreadTime t = SchedReading.ThreadTime.parse("5000 300 7\n");
    assertEquals(new SchedReading.ThreadTime(5000, 300, 7), t);
    assertEquals(
        new SchedReading.ThreadTime(4000, 100, 2),
        t.minus(new SchedReading.ThreadTime(1000, 200, 5)));
  }

  @Test
  void stealIsTheEighthValueOfEachCpuLineInTicks() {
    String stat =
        "cpu  55310 0 8762 50887 514 0 88 207 0 0\n"
            + "cpu0 24937 0 4380 28399 44 0 9 97 0 0\n"
            + "cpu1 30373 0 4381 22488 469 0 78 109 0 0\n"
            + "intr 1 2 3\n";
    assertArrayEquals(new long[] {970_000_000L, 1_090_000_000L}, SchedReading.steal(stat, 100));
  }

  @Test
  void aDifferenceSaysWhoWaitedAndHowMuchWasStolen() {
    SchedReading a =
        new SchedReading(
            new SchedReading.ThreadTime(0, 0, 0),
            new SchedReading.ThreadTime(0, 0, 0),
            new long[] {0, 10_000_000});
    SchedReading b =
        new SchedReading(
            new SchedReading.ThreadTime(4_000_000_000L, 1_500_000, 40),
            new SchedReading.ThreadTime(5_000_000_000L, 0, 3),
            new long[] {20_000_000, 10_000_000});
    String d = b.minus(a).describe();
    assertTrue(d.contains("generator thread ran 4000.0 ms, waited runnable 1.5 ms (40 slices)"), d);
    assertTrue(d.contains("hypervisor steal: cpu0 20.0 ms cpu1 0.0 ms"), d);
  }
}
