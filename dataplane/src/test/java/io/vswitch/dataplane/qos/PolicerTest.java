package io.vswitch.dataplane.qos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Token arithmetic on a made-up TSC of 1 GHz: colours and long-run rates. */
class PolicerTest {
  static final long HZ = 1_000_000_000L;

  /**
   * Offers 1500-byte packets at {@code offered} bytes/s for one second; returns bytes per colour.
   */
  private static long[] run(Policer p, long offered) {
    long[] bytes = new long[3];
    long gap = HZ * 1500 / offered;
    for (long t = gap; t <= HZ; t += gap) {
      p.refill(t);
      bytes[p.color(1500)] += 1500;
    }
    return bytes;
  }

  @Test
  void srTcmPassesCirPlusBucketsAsGreenAndYellow() {
    Policer p =
        new Policer(
            new PolicerSpec(PolicerSpec.Type.SRTCM, 1_000_000, 15_000, 0, 15_000, true, -1), HZ, 0);
    long[] bytes = run(p, 4_000_000);
    long passed = bytes[Policer.GREEN] + bytes[Policer.YELLOW];
    assertEquals(1_000_000 + 30_000, passed, 3_000);
    assertTrue(bytes[Policer.RED] > 2_900_000);
  }

  @Test
  void trTcm2698LimitsToPirAndGreensCir() {
    Policer p =
        new Policer(
            new PolicerSpec(PolicerSpec.Type.TRTCM, 1_000_000, 15_000, 2_000_000, 15_000, true, -1),
            HZ,
            0);
    long[] bytes = run(p, 4_000_000);
    assertEquals(2_000_000 + 15_000, bytes[Policer.GREEN] + bytes[Policer.YELLOW], 3_000);
    assertEquals(1_000_000 + 15_000, bytes[Policer.GREEN], 3_000);
  }

  @Test
  void trTcm4115AddsEirOnTopOfCir() {
    Policer p =
        new Policer(
            new PolicerSpec(
                PolicerSpec.Type.TRTCM_4115, 1_000_000, 15_000, 500_000, 15_000, true, -1),
            HZ,
            0);
    long[] bytes = run(p, 4_000_000);
    assertEquals(1_000_000 + 15_000, bytes[Policer.GREEN], 3_000);
    assertEquals(500_000 + 15_000, bytes[Policer.YELLOW], 4_500); // E is spent in 1500s
  }

  @Test
  void aLongIdleNeitherOverflowsNorOverfills() {
    PolicerSpec spec =
        new PolicerSpec(
            PolicerSpec.Type.SRTCM,
            12_500_000_000L,
            PolicerSpec.MAX_BURST,
            0,
            PolicerSpec.MAX_BURST,
            true,
            -1);
    Policer p = new Policer(spec, 4_000_000_000L, 0);
    p.refill(Long.MAX_VALUE / 2); // years of TSC time
    int green = 0;
    while (p.color(1 << 20) == Policer.GREEN) {
      green++;
    }
    assertEquals(512, green, "exactly the committed bucket");
  }

  @Test
  void sharesDivideRatesAndBursts() {
    PolicerSpec s =
        new PolicerSpec(PolicerSpec.Type.TRTCM, 1000, 400, 2000, 800, true, -1).share(4);
    assertEquals(new PolicerSpec(PolicerSpec.Type.TRTCM, 250, 100, 500, 200, true, -1), s);
  }
}
