package io.vswitch.dataplane.l2;

import static io.vswitch.dataplane.testing.FrameBuilder.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.stats.PortCounter;
import io.vswitch.dataplane.testing.TestMbufs;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TxSetTest {

  /** A capture port that also counts its tx bursts. */
  static final class CountingPort extends EgressStageTest.CapturePort {
    int bursts;

    CountingPort(int index) {
      super(index);
    }

    @Override
    public int transmit(int queue, io.vswitch.dataplane.packet.PacketBatch batch) {
      bursts++;
      return super.transmit(queue, batch);
    }
  }

  private static TxSet set(StageFixture f, List<CountingPort> ports, long drainTicks) {
    TxBuffer[] buffers = new TxBuffer[4];
    for (int p = 0; p < 4; p++) {
      CountingPort port = new CountingPort(p);
      ports.add(port);
      buffers[p] = new TxBuffer(port, 0, f.counters.slot(0, p), f.arena);
    }
    return new TxSet(buffers, drainTicks);
  }

  private static void send(TxSet tx, int port, int frames) {
    for (int i = 0; i < frames; i++) {
      long m = TestMbufs.mbuf(frame().payloadLength(50).build());
      tx.add(port, m, 64, false);
    }
  }

  @Test
  void aDrainFlushesOnlyThePortsUsedSinceTheLast() {
    List<CountingPort> ports = new ArrayList<>();
    try (StageFixture f = new StageFixture(4)) {
      TxSet tx = set(f, ports, TxSet.DRAIN_EVERY_PASS);
      assertEquals(0b1111, tx.present());
      send(tx, 1, 5);
      send(tx, 3, 2);
      tx.drain(0);
      assertEquals(List.of(0, 1, 0, 1), ports.stream().map(p -> p.bursts).toList());
      assertEquals(5, ports.get(1).frames.size());
      tx.drain(1);
      assertEquals(List.of(0, 1, 0, 1), ports.stream().map(p -> p.bursts).toList(), "clean");
      ports.forEach(EgressStageTest.CapturePort::release);
    }
  }

  @Test
  void aDrainIntervalHoldsFramesUntilItIsUpOrABufferIsFull() {
    List<CountingPort> ports = new ArrayList<>();
    try (StageFixture f = new StageFixture(4)) {
      TxSet tx = set(f, ports, 1000);
      tx.drain(0);
      send(tx, 2, 3);
      tx.drain(999);
      assertEquals(0, ports.get(2).bursts, "999 ticks after the last drain: held");
      tx.drain(1000);
      assertEquals(1, ports.get(2).bursts);
      assertEquals(3, ports.get(2).frames.size());
      send(tx, 0, 33);
      assertEquals(1, ports.get(0).bursts, "32 waiting: the buffer sent on its own");
      tx.drain(1500);
      assertEquals(1, ports.get(0).bursts, "the one left waits for the interval");
      tx.drain(2000);
      assertEquals(2, ports.get(0).bursts);
      assertEquals(33, ports.get(0).frames.size());
      ports.forEach(EgressStageTest.CapturePort::release);
    }
  }

  /**
   * What keeps a backoff worker polling: true exactly while a shaped port holds frames that wait
   * for tokens, so a pass that released nothing is not taken for an idle one.
   */
  @Test
  void shapersWaitWhileAShapedPortHoldsFramesAndNotAfter() {
    List<CountingPort> ports = new ArrayList<>();
    try (StageFixture f = new StageFixture(4)) {
      TxSet tx = set(f, ports, TxSet.DRAIN_EVERY_PASS);
      // 1 MB/s with a 600-byte burst: nine 64-byte frames go at once, the rest wait.
      io.vswitch.dataplane.qos.ShaperSpec shaper =
          new io.vswitch.dataplane.qos.ShaperSpec(1_000_000, 2_000_000, 600, 64);
      tx.adopt(
          new L2Tables(
              List.of(
                  PortPolicy.access(0, 10).build(),
                  PortPolicy.trunk(1, 10).shaper(shaper).build(),
                  PortPolicy.access(2, 10).build(),
                  PortPolicy.access(3, 10).build())),
          ShapedTxBufferTest.HZ,
          0);
      send(tx, 0, 40);
      tx.drain(0);
      assertFalse(tx.shapersWaiting(), "an unshaped port never waits");
      send(tx, 1, 12);
      tx.drain(0);
      assertTrue(tx.shapersWaiting(), "three frames past the burst wait for tokens");
      assertEquals(0, tx.release(1_000), "1 us is 1 byte of tokens: nothing yet, still waiting");
      assertTrue(tx.shapersWaiting());
      assertEquals(3, tx.release(ShapedTxBufferTest.HZ));
      tx.drain(ShapedTxBufferTest.HZ);
      assertFalse(tx.shapersWaiting(), "all sent");
      assertEquals(12, ports.get(1).frames.size());
      ports.forEach(EgressStageTest.CapturePort::release);
    }
  }

  /** A port whose queue takes the first {@code room} frames of each burst and frees the rest. */
  private static final class PartPort extends EgressStageTest.CapturePort {
    final int room;

    PartPort(int index, int room) {
      super(index);
      this.room = room;
    }

    @Override
    public int transmit(int queue, io.vswitch.dataplane.packet.PacketBatch batch) {
      int taken = Math.min(room, batch.count());
      for (int i = 0; i < taken; i++) {
        mbufs.add(batch.mbuf(i));
        frames.add(TestMbufs.bytes(batch.mbuf(i)));
      }
      for (int i = taken; i < batch.count(); i++) {
        io.vswitch.ffm.Mbuf.free(batch.mbuf(i));
      }
      batch.clear();
      return taken;
    }
  }

  /**
   * A burst to one port goes in one call ({@link TxSet#addAll}) and counts as frame-by-frame adds
   * would: the frames over the egress MTU are refused, the rest keep their order after what was
   * already waiting, and of what the queue refuses, floods, unicast and mirrored copies are told
   * apart.
   */
  @Test
  void aBurstToOnePortIsCountedAsFrameByFrameAddsWouldBe() {
    try (StageFixture f = new StageFixture(2)) {
      PartPort port = new PartPort(1, 4);
      TxBuffer buffer = new TxBuffer(port, 0, f.counters.slot(0, 1), f.arena);
      TxSet tx = new TxSet(new TxBuffer[] {null, buffer}, TxSet.DRAIN_EVERY_PASS);
      buffer.mtu(100);
      long waitingCopy = TestMbufs.mbuf(frame().payloadLength(50).build());
      tx.addMirrored(1, waitingCopy, 64); // waiting already: a mirrored copy
      long[] mbufs = new long[32];
      int[] lengths = new int[32];
      int frames = 0;
      for (int i = 0; i < 8; i += 1) {
        int payload = i == 2 || i == 5 ? 200 : 50; // 2 and 5: over the MTU of 100
        mbufs[i] = TestMbufs.mbuf(frame().payloadLength(payload).build());
        lengths[i] = io.vswitch.ffm.Mbuf.packetLength(mbufs[i]);
        frames |= i == 6 ? 0 : 1 << i; // 6 is not live: not sent, not counted
      }
      int floods = 1 << 1 | 1 << 3 | 1 << 6 | 1 << 7;
      tx.addAll(1, mbufs, lengths, frames, floods);
      assertEquals(2, f.counters.sum(1, DropReason.TX_MTU_EXCEEDED));
      tx.drain(0);
      // waiting: the copy, 0, 1 (flood), 3 (flood), 4, 7 (flood); the queue takes the first 4
      assertEquals(4, port.frames.size());
      assertEquals(waitingCopy, port.mbufs.get(0));
      assertEquals(List.of(mbufs[0], mbufs[1], mbufs[3]), port.mbufs.subList(1, 4));
      assertEquals(4, f.counters.sum(1, PortCounter.TX_PACKETS));
      assertEquals(1, f.counters.sum(1, PortCounter.MIRROR_PACKETS));
      assertEquals(2, f.counters.sum(1, PortCounter.TX_FLOOD));
      assertEquals(1, f.counters.sum(1, PortCounter.TX_UNICAST));
      assertEquals(2, f.counters.sum(1, DropReason.TX_QUEUE_FULL), "4 and 7");
      assertEquals(0, f.counters.sum(1, DropReason.MIRROR_DROPPED));
      long bytes = 64 + lengths[0] + lengths[1] + lengths[3];
      assertEquals(bytes, f.counters.sum(1, PortCounter.TX_BYTES));
      io.vswitch.ffm.Mbuf.free(mbufs[6]);
      port.release();
    }
  }

  /**
   * A burst that would overfill the buffer goes frame by frame: 32 leave at once, the rest wait.
   */
  @Test
  void aBurstToOnePortThatWouldOverfillTheBufferSendsThirtyTwoAndKeepsTheRest() {
    List<CountingPort> ports = new ArrayList<>();
    try (StageFixture f = new StageFixture(4)) {
      TxSet tx = set(f, ports, TxSet.DRAIN_EVERY_PASS);
      send(tx, 2, 30);
      long[] mbufs = new long[32];
      int[] lengths = new int[32];
      for (int i = 0; i < 5; i++) {
        mbufs[i] = TestMbufs.mbuf(frame().payloadLength(50).build());
        lengths[i] = 64;
      }
      tx.addAll(2, mbufs, lengths, 0b11111, 0);
      assertEquals(1, ports.get(2).bursts, "full at 32: sent on its own");
      assertEquals(32, ports.get(2).frames.size());
      tx.drain(0);
      assertEquals(35, ports.get(2).frames.size());
      assertEquals(List.of(mbufs[2], mbufs[3], mbufs[4]), ports.get(2).mbufs.subList(32, 35));
      assertEquals(35, f.counters.sum(2, PortCounter.TX_UNICAST));
      ports.forEach(EgressStageTest.CapturePort::release);
    }
  }
}
