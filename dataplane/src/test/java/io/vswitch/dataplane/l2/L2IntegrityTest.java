package io.vswitch.dataplane.l2;

import static io.vswitch.dataplane.testing.FrameBuilder.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.dataplane.l2.EgressStageTest.CapturePort;
import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.stats.PortCounter;
import io.vswitch.dataplane.testing.TestMbufs;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 10 items 1, 4, 5, 6: frames a switch must not let across a boundary, run through the real
 * stages in full bursts (32) and with a remainder (37 = 32 + 5).
 */
class L2IntegrityTest {
  static final String BROADCAST = "ff:ff:ff:ff:ff:ff";

  /**
   * 0: access 10. 1: access 10. 2: trunk 10,20 (no native). 3: trunk 20, native 10 untagged. 4:
   * trunk 20, native 10 tagged.
   */
  static L2Tables tables(boolean forwardBpdu) {
    return new L2Tables(
        List.of(
            PortPolicy.access(0, 10).forwardBpdu(forwardBpdu).build(),
            PortPolicy.access(1, 10).build(),
            PortPolicy.trunk(2, 10, 20).build(),
            PortPolicy.trunk(3, 20).nativeVlan(10, false).build(),
            PortPolicy.trunk(4, 20).nativeVlan(10, true).forwardBpdu(forwardBpdu).build()));
  }

  private final List<CapturePort> ports = new ArrayList<>();

  /** Sends {@code frames} in bursts of at most 32 through parse → classify → forward → egress. */
  private void switchFrames(StageFixture f, int in, List<byte[]> frames, L2Tables tables) {
    TxBuffer[] tx = EgressStageTest.buffers(f, ports);
    Fdb fdb = new Fdb(1024, 300);
    try {
      for (int from = 0; from < frames.size(); from += PacketBatch.MAX_BURST) {
        List<byte[]> burst =
            frames.subList(from, Math.min(frames.size(), from + PacketBatch.MAX_BURST));
        BurstContext ctx = f.received(in, burst);
        f.fdb = fdb;
        f.run(tables, Feature.VLAN_CLASSIFY, Feature.LEARN, Feature.FORWARD);
        f.egress(tables, tx);
        for (TxBuffer b : tx) {
          b.flush();
        }
        ctx.batch().clear();
      }
    } finally {
      fdb.close();
    }
  }

  private void releaseAll() {
    ports.forEach(CapturePort::release);
    assertEquals(0, TestMbufs.pool().inUse(), "mbufs leaked");
  }

  /** A priority-tagged (VID 0, PCP 5) frame to broadcast or unknown unicast. */
  private static List<byte[]> priorityTagged(int count) {
    List<byte[]> frames = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      frames.add(
          frame()
              .src(String.format("02:00:00:00:10:%02x", i))
              .dst(i % 2 == 0 ? BROADCAST : "02:00:00:00:99:99")
              .tag(0x8100, 5 << 13)
              .payloadLength(46 + i)
              .build());
    }
    return frames;
  }

  private static int vid(byte[] frame) {
    return ((frame[14] & 0x0F) << 8) | (frame[15] & 0xFF);
  }

  private static boolean tagged(byte[] frame) {
    return (frame[12] & 0xFF) == 0x81 && frame[13] == 0;
  }

  @ParameterizedTest
  @ValueSource(ints = {32, 37})
  void priorityTaggedFloodFromAnAccessPortLeavesTrunksInItsVlanNeverVid0(int count) {
    try (StageFixture f = new StageFixture(5)) {
      switchFrames(f, 0, priorityTagged(count), tables(false));
      for (int p : new int[] {1, 3}) { // access and native-untagged trunk: no tag at all
        assertEquals(count, ports.get(p).frames.size(), "port " + p);
        for (byte[] out : ports.get(p).frames) {
          assertFalse(tagged(out), "port " + p + " gets it untagged");
        }
      }
      for (int p : new int[] {2, 4}) { // trunk and native-tagged trunk: VID 10, priority kept
        assertEquals(count, ports.get(p).frames.size(), "port " + p);
        for (byte[] out : ports.get(p).frames) {
          assertTrue(tagged(out), "port " + p + " gets it tagged");
          assertEquals(10, vid(out), "port " + p + " must carry VLAN 10, never VID 0");
          assertEquals(5, (out[14] & 0xFF) >>> 5, "priority kept");
        }
      }
      assertEquals(0, ports.get(0).frames.size(), "no hairpin");
      releaseAll();
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {32, 37})
  void priorityTaggedFloodFromANativeTrunkBelongsToTheNativeVlan(int count) {
    try (StageFixture f = new StageFixture(5)) {
      List<byte[]> frames = priorityTagged(count);
      switchFrames(f, 3, frames, tables(false));
      for (int p : new int[] {0, 1}) {
        assertEquals(count, ports.get(p).frames.size());
        ports.get(p).frames.forEach(out -> assertFalse(tagged(out)));
      }
      for (int p : new int[] {2, 4}) {
        assertEquals(count, ports.get(p).frames.size());
        ports.get(p).frames.forEach(out -> assertEquals(10, vid(out)));
      }
      releaseAll();
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {32, 37})
  void priorityTaggedOnATrunkWithoutNativeAndTaggedOnAccessAreDropped(int count) {
    try (StageFixture f = new StageFixture(5)) {
      switchFrames(f, 2, priorityTagged(count), tables(false));
      List<byte[]> tagged = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        tagged.add(frame().src("02:00:00:00:20:01").dst(BROADCAST).vlan(20).build());
      }
      switchFrames(f, 1, tagged, tables(false));
      ports.forEach(p -> assertEquals(0, p.frames.size(), p.name()));
      assertEquals(count, f.counters.sum(2, DropReason.VLAN_NOT_ALLOWED));
      assertEquals(count, f.counters.sum(1, DropReason.VLAN_NOT_ALLOWED));
      releaseAll();
    }
  }

  /** Every 01:80:C2:00:00:0x, plus neighbours just outside the range that must still flood. */
  private static List<byte[]> reservedMix(int count) {
    List<byte[]> frames = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String dst =
          i < 16
              ? String.format("01:80:c2:00:00:%02x", i)
              : i % 3 == 0 ? "01:80:c2:00:00:10" : i % 3 == 1 ? "01:80:c2:00:01:00" : BROADCAST;
      frames.add(frame().src("02:00:00:00:30:01").dst(dst).payloadLength(46).build());
    }
    return frames;
  }

  @ParameterizedTest
  @ValueSource(ints = {32, 37})
  void reservedMulticastIsNeverRelayedByDefault(int count) {
    try (StageFixture f = new StageFixture(5)) {
      List<byte[]> frames = reservedMix(count);
      switchFrames(f, 0, frames, tables(false));
      assertEquals(16, f.counters.sum(0, DropReason.RESERVED_MULTICAST));
      for (int p = 1; p < 5; p++) {
        assertEquals(count - 16, ports.get(p).frames.size(), "port " + p);
        for (byte[] out : ports.get(p).frames) {
          assertFalse(
              (out[0] & 0xFF) == 1
                  && (out[1] & 0xFF) == 0x80
                  && out[2] == (byte) 0xC2
                  && out[3] == 0
                  && out[4] == 0
                  && (out[5] & 0xF0) == 0,
              "reserved multicast relayed to port " + p);
        }
      }
      releaseAll();
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {32, 37})
  void forwardBpduRelaysTheRangeButNeverPauseOrSlowProtocols(int count) {
    try (StageFixture f = new StageFixture(5)) {
      switchFrames(f, 0, reservedMix(count), tables(true));
      assertEquals(2, f.counters.sum(0, DropReason.RESERVED_MULTICAST), ":01 and :02");
      assertEquals(count - 2, ports.get(1).frames.size());
      for (byte[] out : ports.get(1).frames) {
        assertFalse(out[0] == 1 && out[2] == (byte) 0xC2 && (out[5] == 1 || out[5] == 2));
      }
      releaseAll();
    }
  }

  @Test
  void reservedRangeIsExactlyZeroToF() {
    assertTrue(ForwardStage.isReserved(MacAddress.parse("01:80:c2:00:00:00")));
    assertTrue(ForwardStage.isReserved(MacAddress.parse("01:80:c2:00:00:0f")));
    assertFalse(ForwardStage.isReserved(MacAddress.parse("01:80:c2:00:00:10")));
    assertFalse(ForwardStage.isReserved(MacAddress.parse("01:80:c2:00:00:20"))); // GARP: floods
    assertFalse(ForwardStage.isReserved(MacAddress.parse("03:80:c2:00:00:00")));
  }

  @ParameterizedTest
  @ValueSource(ints = {32, 37})
  void allZeroSourceIsDroppedAndNeverLearned(int count) {
    try (StageFixture f = new StageFixture(5)) {
      List<byte[]> frames = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        String src = i % 2 == 0 ? "00:00:00:00:00:00" : "02:00:00:00:40:01";
        frames.add(frame().src(src).dst(BROADCAST).payloadLength(46).build());
      }
      int zeros = (count + 1) / 2;
      Fdb fdb = new Fdb(1024, 300);
      for (int from = 0; from < count; from += PacketBatch.MAX_BURST) {
        BurstContext ctx = f.received(0, frames.subList(from, Math.min(count, from + 32)));
        for (int i = 0; i < ctx.count(); i++) {
          assertEquals(
              (from + i) % 2 == 0 ? DropReason.SOURCE_ZERO : null, ctx.dropReason(i), "frame " + i);
        }
        f.run(tables(false), Feature.VLAN_CLASSIFY);
        new LearnStage(fdb).run(ctx, 1, Integer.MAX_VALUE);
        f.releaseBurst();
      }
      assertEquals(zeros, f.counters.sum(0, DropReason.SOURCE_ZERO));
      assertEquals(Fdb.MISS, fdb.lookup(Fdb.key(10, 0), 1), "zero MAC never learned");
      assertEquals(0, fdb.lookup(Fdb.key(10, MacAddress.parse("02:00:00:00:40:01")), 1));
      assertEquals(1, fdb.size(1));
      fdb.close();
    }
  }

  @Test
  void capacityIsTheNumberOfEntriesThatFit() {
    try (Fdb fdb = new Fdb(65536, 300)) {
      int learned = 0;
      for (long mac = 1; mac <= 200_000; mac++) {
        learned += fdb.learn(Fdb.key(1, 0x0200_0000_0000L | mac), 0, 1) ? 1 : 0;
      }
      assertEquals(65536, learned);
      assertEquals(65536, fdb.size(1));
    }
  }

  @Test
  void macLimitCountsLearnedEntriesPerPortAndGivesThemBack() {
    try (Fdb fdb = new Fdb(4096, 10)) {
      for (long mac = 1; mac <= 500; mac++) {
        fdb.learn(Fdb.key(1, mac << 8), 0, 1, 100);
      }
      assertEquals(100, fdb.learnedOn(0));
      assertTrue(fdb.learn(Fdb.key(1, 1L << 8), 0, 2, 100), "a refresh is never refused");
      assertFalse(fdb.learn(Fdb.key(1, 999L << 8), 0, 2, 100));
      assertTrue(fdb.learn(Fdb.key(1, 999L << 8), 1, 2, 100), "another port still learns");
      assertTrue(fdb.learn(Fdb.key(1, 2L << 8), 1, 2, 100), "a move counts on the new port");
      assertEquals(99, fdb.learnedOn(0));
      assertEquals(2, fdb.learnedOn(1));
      fdb.addStatic(1, 3L << 8, 0); // becomes static: off the learned count
      assertEquals(98, fdb.learnedOn(0));
      fdb.remove(1, 4L << 8);
      assertEquals(97, fdb.learnedOn(0));
      assertEquals(2, fdb.flushPort(1));
      assertEquals(0, fdb.learnedOn(1));
      fdb.sweep(100); // everything learned ages out
      assertEquals(0, fdb.learnedOn(0));
      assertEquals(1, fdb.size(100), "the static entry stays");
    }
  }

  /**
   * A full table (no MAC limit): port 0 holds nearly everything; a new host on port 1 evicts one of
   * port 0's entries, while port 0 cannot evict port 1's.
   */
  @Test
  void aFullTableEvictsFromThePortHoldingTheMost() {
    try (Fdb fdb = new Fdb(4096, 300)) {
      for (long mac = 1; mac <= 4096; mac++) {
        assertTrue(fdb.learn(Fdb.key(10, 0x0200_0000_0000L | mac << 4), 0, 1));
      }
      assertFalse(fdb.learn(Fdb.key(10, 0x0200_0000_0000L | 5000L << 4), 0, 1), "no self-eviction");
      int learned = 0;
      for (long mac = 1; mac <= 64; mac++) {
        learned += fdb.learn(Fdb.key(10, 0x0400_0000_0000L | mac), 1, 2) ? 1 : 0;
      }
      assertTrue(learned >= 60, "new hosts of a quiet port are learned: " + learned);
      assertEquals(learned, fdb.evictions());
      assertEquals(learned, fdb.learnedOn(1));
      assertEquals(4096 - learned, fdb.learnedOn(0));
      assertEquals(4096, fdb.size(2), "capacity still holds");
      for (long mac = 1; mac <= 64; mac++) {
        long key = Fdb.key(10, 0x0400_0000_0000L | mac);
        if (fdb.lookup(key, 2) == 1) {
          learned--;
        }
      }
      assertEquals(0, learned, "every host learned is found");
    }
  }

  /**
   * Four threads, as four workers: each learns its own flood of MACs on its own port while all of
   * them flap a shared set of MACs between their ports, on a table that fills and evicts. The
   * per-port counts must still add up to the table's learned entries, and capacity must hold.
   */
  @Test
  void perPortCountsStayExactUnderConcurrentLearnsMovesAndEvictions() throws Exception {
    try (Fdb fdb = new Fdb(8192, 300)) {
      Thread[] workers = new Thread[4];
      for (int w = 0; w < workers.length; w++) {
        int port = w;
        workers[w] =
            new Thread(
                () -> {
                  SplittableRandom random = new SplittableRandom(port);
                  for (int n = 0; n < 200_000; n++) {
                    long mac =
                        n % 2 == 0
                            ? random.nextInt(64) // shared, flapping
                            : ((long) port << 32) | random.nextInt(1 << 20);
                    fdb.learn(Fdb.key(10, 0x0200_0000_0000L | mac), port, 1 + n / 50_000, 4000);
                  }
                });
        workers[w].start();
      }
      for (Thread t : workers) {
        t.join();
      }
      int[] counted = new int[4];
      fdb.forEach(10, (vlan, mac, port, age) -> counted[port]++);
      int total = 0;
      for (int p = 0; p < 4; p++) {
        assertEquals(counted[p], fdb.learnedOn(p), "port " + p);
        assertTrue(counted[p] <= 4000, "mac-limit of port " + p);
        total += counted[p];
      }
      assertTrue(total <= 8192, "capacity: " + total);
    }
  }

  /**
   * The exhaustion run: port 0 sends 2M random source MACs (in bursts of 32, with a remainder) into
   * an FDB of capacity 65536, under the default mac-limit and with no limit (then the table fills
   * and eviction makes room); afterwards a new host on port 1 is learned and unicast to it goes to
   * port 1 alone, not flooded.
   */
  @ParameterizedTest
  @ValueSource(ints = {4096, Integer.MAX_VALUE}) // a mac-limit, and none
  void aPortFloodingSourceMacsCannotStopAnotherPortsHostFromBeingLearned(int limit) {
    L2Tables tables = tables(false);
    try (StageFixture f = new StageFixture(5);
        Fdb fdb = new Fdb(65536, 300)) {
      BurstContext ctx = f.ctx;
      LearnStage learn = new LearnStage(fdb);
      SplittableRandom random = new SplittableRandom(10);
      int sent = 0;
      while (sent < 2_000_005) {
        int n = Math.min(PacketBatch.MAX_BURST, 2_000_005 - sent);
        ctx.begin(0, n, f.counters.slot(0, 0));
        for (int i = 0; i < n; i++) {
          ctx.vlan[i] = 10;
          ctx.srcMac[i] = (random.nextLong() & 0xFEFF_FFFF_FFFFL) | 0x0200_0000_0000L;
        }
        learn.run(ctx, 1, limit);
        sent += n;
      }
      int held = Math.min(limit, 65536);
      assertEquals(held, fdb.learnedOn(0));
      assertEquals(held, fdb.size(1), "capacity means what it says");
      assertEquals(2_000_005 - held, f.counters.sum(0, PortCounter.FDB_LEARN_REFUSED), 2);

      long host = 0x0200_0000_abcdL;
      List<byte[]> fromHost = new ArrayList<>();
      List<byte[]> toHost = new ArrayList<>();
      for (int i = 0; i < 37; i++) {
        fromHost.add(frame().src("02:00:00:00:ab:cd").dst(BROADCAST).build());
        toHost.add(frame().src("02:00:00:00:50:01").dst("02:00:00:00:ab:cd").build());
      }
      BurstContext in = f.received(1, fromHost.subList(0, 32));
      f.run(tables, Feature.VLAN_CLASSIFY);
      learn.run(in, 1, limit);
      f.releaseBurst();
      assertEquals(1, fdb.lookup(Fdb.key(10, host), 1), "the new host is learned");
      for (int from : new int[] {0, 32}) {
        BurstContext out = f.received(0, toHost.subList(from, Math.min(37, from + 32)));
        f.fdb = fdb;
        f.run(tables, Feature.VLAN_CLASSIFY, Feature.FORWARD);
        for (int i = 0; i < out.count(); i++) {
          assertNull(out.dropReason(i));
          assertEquals(1, out.egress[i], "unicast to the new host is not flooded");
        }
        f.releaseBurst();
      }
    }
  }

  @Test
  void refusedLearnsAreCountedPerBurstNotPerFrameOfTheSameSource() {
    try (StageFixture f = new StageFixture(2);
        Fdb fdb = new Fdb(64, 300)) {
      List<byte[]> frames = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        frames.add(frame().src(String.format("02:00:00:00:60:%02x", i / 4)).dst(BROADCAST).build());
      }
      BurstContext ctx = f.received(0, frames);
      f.run(PortPolicy.access(0, 10).build(), Feature.VLAN_CLASSIFY);
      new LearnStage(fdb).run(ctx, 1, 3);
      assertEquals(3, fdb.learnedOn(0));
      assertEquals(5, f.counters.sum(0, PortCounter.FDB_LEARN_REFUSED), "8 sources, 3 fit");
      assertArrayEquals(new int[] {0, 0, 0}, new int[] {ctx.drop[0], ctx.drop[8], ctx.drop[31]});
      f.releaseBurst();
    }
  }
}
