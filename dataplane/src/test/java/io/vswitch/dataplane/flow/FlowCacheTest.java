package io.vswitch.dataplane.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlowCacheTest {
  private static final FlowSettings IDLE_1S = new FlowSettings(60_000, 1_000, 1);
  private static final int SYN = 0x02;
  private static final int ACK = 0x10;
  private static final int FIN = 0x01;

  /** A flow of 10.0.0.x:sport -> 10.0.1.1:80 over TCP on VLAN 10, received on port 2. */
  private static long key(int sport) {
    return FlowRecord.key(false, 2, 10, 6, sport, 80);
  }

  private static void packet(FlowCache c, int sport, int bytes, int flags, long now) {
    c.account(
        Long.MIN_VALUE,
        v4(0x0A00_0001),
        Long.MIN_VALUE,
        v4(0x0A00_0101),
        key(sport),
        bytes,
        flags,
        3,
        now);
  }

  private static long v4(int address) {
    return (0x0000_FFFF_0000_0000L | (address & 0xFFFF_FFFFL)) ^ Long.MIN_VALUE;
  }

  private static List<long[]> drain(FlowCache c) {
    List<long[]> out = new ArrayList<>();
    long[] r = new long[FlowRecord.WORDS];
    while (c.ring().poll(r)) {
      out.add(r.clone());
    }
    return out;
  }

  @Test
  void countsPacketsBytesTimesAndOrsTheTcpFlags() {
    FlowCache c = new FlowCache(1024, 64, IDLE_1S);
    packet(c, 1000, 60, SYN, 5_000);
    packet(c, 1000, 52, ACK, 5_010);
    packet(c, 1000, 1500, ACK | FIN, 5_020);
    assertEquals(1, c.size());
    assertEquals(0, c.flush());
    List<long[]> out = drain(c);
    assertEquals(1, out.size());
    long[] r = out.get(0);
    assertEquals(3, r[FlowRecord.PACKETS]);
    assertEquals(60 + 52 + 1500, r[FlowRecord.BYTES]);
    assertEquals(5_000, r[FlowRecord.FIRST]);
    assertEquals(5_020, r[FlowRecord.LAST]);
    assertEquals(SYN | ACK | FIN, FlowRecord.tcpFlags(r[FlowRecord.EXTRA]));
    assertEquals(3, FlowRecord.egress(r[FlowRecord.EXTRA]));
    assertEquals(FlowRecord.END_FORCED, FlowRecord.endReason(r[FlowRecord.EXTRA]));
    long k = r[FlowRecord.KEY];
    assertEquals(2, FlowRecord.inPort(k));
    assertEquals(10, FlowRecord.vlan(k));
    assertEquals(6, FlowRecord.protocol(k));
    assertEquals(1000, FlowRecord.sourcePort(k));
    assertEquals(80, FlowRecord.destinationPort(k));
    assertEquals(0x0A00_0001, (int) FlowRecord.raw(r[FlowRecord.SRC_LO]));
  }

  @Test
  void theInPortAndTheVlanArePartOfTheKey() {
    FlowCache c = new FlowCache(1024, 64, IDLE_1S);
    long src = v4(1);
    long dst = v4(2);
    c.account(
        Long.MIN_VALUE,
        src,
        Long.MIN_VALUE,
        dst,
        FlowRecord.key(false, 1, 10, 17, 5, 6),
        100,
        0,
        0,
        1_000);
    c.account(
        Long.MIN_VALUE,
        src,
        Long.MIN_VALUE,
        dst,
        FlowRecord.key(false, 2, 10, 17, 5, 6),
        100,
        0,
        0,
        1_000);
    c.account(
        Long.MIN_VALUE,
        src,
        Long.MIN_VALUE,
        dst,
        FlowRecord.key(false, 1, 20, 17, 5, 6),
        100,
        0,
        0,
        1_000);
    c.account(
        Long.MIN_VALUE,
        src,
        Long.MIN_VALUE,
        dst,
        FlowRecord.key(false, 1, 10, 17, 5, 6),
        100,
        0,
        0,
        1_000);
    assertEquals(3, c.size());
  }

  @Test
  void anIdleFlowLeavesAfterTheIdleTimeoutAndNotBefore() {
    FlowCache c = new FlowCache(1024, 64, IDLE_1S);
    packet(c, 1, 100, 0, 10_000);
    packet(c, 1, 100, 0, 10_500);
    // A whole sweep (1024 slots, 8 per millisecond) runs before the timeout: nothing leaves.
    for (long t = 10_501; t < 11_500; t++) {
      c.tick(t);
    }
    assertTrue(drain(c).isEmpty());
    assertEquals(1, c.size());
    for (long t = 11_500; t < 11_700; t++) {
      c.tick(t);
    }
    List<long[]> out = drain(c);
    assertEquals(1, out.size());
    assertEquals(2, out.get(0)[FlowRecord.PACKETS]);
    assertEquals(FlowRecord.END_IDLE, FlowRecord.endReason(out.get(0)[FlowRecord.EXTRA]));
    assertEquals(0, c.size());
  }

  @Test
  void aLongFlowIsExportedEachActiveTimeoutWithItsCountsSoFar() {
    FlowCache c = new FlowCache(1024, 64, new FlowSettings(1_000, 500, 1));
    long exported = 0;
    List<long[]> out = new ArrayList<>();
    for (long t = 1_000; t < 4_000; t++) {
      if (t % 10 == 0) {
        packet(c, 7, 64, ACK, t); // never idle
        exported++;
      }
      c.tick(t);
      out.addAll(drain(c));
    }
    c.flush();
    out.addAll(drain(c));
    assertTrue(out.size() >= 3, "one record a second, and the rest: " + out.size());
    long packets = 0;
    for (long[] r : out) {
      packets += r[FlowRecord.PACKETS];
      assertTrue(r[FlowRecord.LAST] - r[FlowRecord.FIRST] < 1_000 + 200, "within a sweep's delay");
    }
    assertEquals(exported, packets, "no packet counted twice or lost across the records");
    assertEquals(
        FlowRecord.END_ACTIVE, FlowRecord.endReason(out.get(0)[FlowRecord.EXTRA]), "first record");
  }

  @Test
  void aFullBucketExportsItsLeastRecentFlowEarlyAndCountsOnlyWhatTheRingCannotTake() {
    // Capacity 8 is one bucket: the ninth flow must evict.
    FlowCache c = new FlowCache(8, 1, IDLE_1S);
    for (int f = 0; f < 8; f++) {
      packet(c, 100 + f, 100, 0, 1_000 + f);
    }
    packet(c, 100, 100, 0, 2_000); // flow 0 is now the most recent; flow 1 the least
    packet(c, 200, 100, 0, 2_001);
    assertEquals(8, c.size());
    assertEquals(1, c.evicted());
    assertEquals(0, c.dropped());
    List<long[]> out = drain(c);
    assertEquals(1, out.size());
    assertEquals(101, FlowRecord.sourcePort(out.get(0)[FlowRecord.KEY]));
    assertEquals(
        FlowRecord.END_LACK_OF_RESOURCES, FlowRecord.endReason(out.get(0)[FlowRecord.EXTRA]));
    packet(c, 201, 100, 0, 2_002); // evicts flow 2 into the ring (now full)
    packet(c, 202, 100, 0, 2_003); // evicts flow 3: the ring is full, the record is lost
    assertEquals(3, c.evicted());
    assertEquals(1, c.dropped());
    assertEquals(8, c.size());
  }

  @Test
  void aSweepThatFindsTheRingFullKeepsTheFlowForLater() {
    FlowCache c = new FlowCache(8, 1, IDLE_1S);
    packet(c, 1, 100, 0, 1_000);
    packet(c, 2, 100, 0, 1_000);
    packet(c, 3, 100, 0, 1_000);
    c.tick(5_000);
    assertEquals(2, c.size(), "one in the ring, two kept");
    List<long[]> all = new ArrayList<>(drain(c));
    c.tick(5_001);
    all.addAll(drain(c));
    c.tick(5_002);
    all.addAll(drain(c));
    assertEquals(3, all.size());
    assertEquals(0, c.size());
    assertEquals(0, c.dropped());
  }

  @Test
  void samplingTakesExactlyOneInN() {
    FlowCache c = new FlowCache(1024, 64, new FlowSettings(1_000, 1_000, 3));
    int taken = 0;
    for (int i = 0; i < 30; i++) {
      taken += c.sample() ? 1 : 0;
    }
    assertEquals(10, taken);
    c.configure(new FlowSettings(1_000, 1_000, 1));
    c.sample(); // the countdown of the old rate runs out first
    c.sample();
    c.sample();
    assertTrue(c.sample());
    assertTrue(c.sample());
  }

  @Test
  void theRingIsFifoAndRefusesWhenFull() {
    FlowRing ring = new FlowRing(2);
    long[] r = new long[FlowRecord.WORDS];
    r[FlowRecord.PACKETS] = 1;
    assertTrue(ring.offer(r, 0, 1));
    r[FlowRecord.PACKETS] = 2;
    assertTrue(ring.offer(r, 0, 2));
    assertFalse(ring.offer(r, 0, 3));
    long[] got = new long[FlowRecord.WORDS];
    assertTrue(ring.poll(got));
    assertEquals(1, got[FlowRecord.PACKETS]);
    assertEquals(1, FlowRecord.endReason(got[FlowRecord.EXTRA]));
    assertTrue(ring.offer(r, 0, 3));
    assertTrue(ring.poll(got));
    assertEquals(2, got[FlowRecord.PACKETS]);
    assertTrue(ring.poll(got));
    assertFalse(ring.poll(got));
    assertThrows(IllegalArgumentException.class, () -> new FlowRing(3));
    assertThrows(IllegalArgumentException.class, () -> new FlowCache(1000, 4, IDLE_1S));
  }

  @Test
  void aConcurrentConsumerGetsEveryRecordOnceInOrder() throws Exception {
    FlowRing ring = new FlowRing(64);
    int n = 200_000;
    Thread consumer =
        new Thread(
            () -> {
              long[] got = new long[FlowRecord.WORDS];
              for (long expect = 0; expect < n; ) {
                if (ring.poll(got)) {
                  if (got[FlowRecord.PACKETS] != expect || got[FlowRecord.BYTES] != expect * 3) {
                    throw new AssertionError(
                        "record " + expect + " came as " + got[FlowRecord.PACKETS]);
                  }
                  expect++;
                }
              }
            });
    List<Throwable> failures = new ArrayList<>();
    consumer.setUncaughtExceptionHandler((t, e) -> failures.add(e));
    consumer.start();
    long[] r = new long[FlowRecord.WORDS];
    for (long i = 0; i < n; ) {
      r[FlowRecord.PACKETS] = i;
      r[FlowRecord.BYTES] = i * 3;
      if (ring.offer(r, 0, 1)) {
        i++;
      } else {
        Thread.onSpinWait();
      }
    }
    consumer.join(30_000);
    assertFalse(consumer.isAlive());
    assertTrue(failures.isEmpty(), failures.toString());
  }
}
