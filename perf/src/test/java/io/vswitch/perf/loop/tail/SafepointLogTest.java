package io.vswitch.perf.loop.tail;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class SafepointLogTest {
  @Test
  void aSafepointEndsWhenLoggedAndLastsItsTotal() {
    List<Interval> s =
        SafepointLog.parse(
            List.of(
                "[2.978s][220400804585ns][safepoint,stats] ZMarkStartYoungAndOld        [    10   1"
                    + " ][ 389598     193196     582794 ]               0",
                "[2.978s][220400809302ns][safepoint      ] Safepoint \"ZMarkStartYoungAndOld\", Time"
                    + " since last: 2772658399 ns, Reaching safepoint: 389598 ns, At safepoint:"
                    + " 189421 ns, Leaving safepoint: 3775 ns, Total: 582794 ns, Threads: 1"
                    + " runnable, 10 total"));
    assertEquals(
        List.of(new Interval(220400809302L - 582794, 220400809302L, "ZMarkStartYoungAndOld")), s);
  }

  @Test
  void linesWithoutTimenanosOrCutShortAreSkipped() {
    List<Interval> s =
        SafepointLog.parse(
            List.of(
                "[2.978s][safepoint      ] Safepoint \"Cleanup\", Time since last: 1 ns, Total: 5 ns",
                "[2.978s][220400809302ns][safepoint      ] Safepoint \"Cleanup\", Time since last:"
                    + " 1 ns, Reaching safepoint: 3 ns, At safepoint: 1 ns, Leaving safepoint: 1"
                    + " ns, Total: 58"));
    assertEquals(List.of(), s);
  }
}
