package io.vswitch.dataplane.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.dataplane.l2.FdbClock;
import java.math.BigInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PassClockTest {

  @ParameterizedTest
  @ValueSource(longs = {1_000_000L, 2_445_000_123L, 3_999_999_999L, 1_000_000_000L})
  void ticksBecomeNanosecondsWithinOneNanosecondForAnyGap(long hz) {
    PassClock clock = PassClock.manual(hz);
    long[] gaps = {0, 1, 7, 1_000, 123_456, hz / 1000, hz, 3 * hz + 17, 1L << 33, 86_400L * hz};
    for (long gap : gaps) {
      long exact =
          BigInteger.valueOf(gap)
              .multiply(BigInteger.valueOf(1_000_000_000L))
              .divide(BigInteger.valueOf(hz))
              .longValueExact();
      long got = clock.nanos(gap);
      assertTrue(
          Math.abs(got - exact) <= 1, hz + " Hz, " + gap + " ticks: " + got + " vs " + exact);
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {1_000_000_000L})
  void fdbSecondsFollowTheJvmClockAndTheTscOnlyDecidesWhenToLook(long hz) {
    PassClock clock = PassClock.manual(hz);
    long before = FdbClock.nowSeconds();
    assertTrue(clock.seconds() >= before && clock.seconds() <= FdbClock.nowSeconds());
    clock.set(hz); // a whole second of TSC later: refreshed from FdbClock, not computed
    assertTrue(clock.seconds() >= before && clock.seconds() <= FdbClock.nowSeconds());
    assertEquals(hz, clock.now());
    long ctBefore = io.vswitch.dataplane.conntrack.CtClock.nowMillis();
    clock.set(hz + hz / 1000); // a millisecond of TSC later: conntrack time re-read too
    assertTrue(clock.millis() >= ctBefore);
    assertTrue(clock.millis() <= io.vswitch.dataplane.conntrack.CtClock.nowMillis());
  }

  @ParameterizedTest
  @ValueSource(longs = {1_000_000_000L})
  void aTscClockIsNotSetByHand(long hz) {
    assertThrows(IllegalStateException.class, () -> PassClock.tsc().set(hz));
  }
}
