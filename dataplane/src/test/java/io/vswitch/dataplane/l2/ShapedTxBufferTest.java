package io.vswitch.dataplane.l2;

import static io.vswitch.dataplane.testing.FrameBuilder.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vswitch.dataplane.qos.Shaper;
import io.vswitch.dataplane.qos.ShaperSpec;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.testing.TestMbufs;
import org.junit.jupiter.api.Test;

/** The egress shaper in a port's tx buffer: excess waits in order, released as tokens accrue. */
class ShapedTxBufferTest {
  static final long HZ = 1_000_000_000L;

  @Test
  void excessIsQueuedInOrderAndReleasedByThePollLoopThenDroppedWhenFull() {
    try (StageFixture f = new StageFixture(1)) {
      EgressStageTest.CapturePort port = new EgressStageTest.CapturePort(0);
      TxBuffer tx = new TxBuffer(port, 0, f.counters.slot(0, 0), f.arena);
      // average 1 MB/s, burst 600 bytes (10 frames of 60), queue 16; peak bucket is 16 KiB.
      tx.shape(new Shaper(new ShaperSpec(1_000_000, 2_000_000, 600, 16), HZ, 0));
      for (int i = 0; i < 30; i++) {
        byte[] bytes = frame().payloadLength(46).build();
        bytes[20] = (byte) i; // numbered, to check the order
        tx.add(TestMbufs.mbuf(bytes), 60, false);
      }
      tx.flush();
      assertEquals(10, port.frames.size(), "the burst allowance goes at once");
      assertEquals(16, tx.shaper().queued(), "the excess waits");
      assertEquals(4, f.counters.sum(0, DropReason.SHAPER_QUEUE_FULL), "beyond the queue: dropped");
      assertEquals(0, tx.release(30_000), "30 us at 1 MB/s is 30 bytes: not a frame yet");
      assertEquals(1, tx.release(60_000));
      assertEquals(10, tx.release(HZ), "no more than the burst size at once");
      assertEquals(5, tx.release(2 * HZ));
      tx.flush();
      assertEquals(26, port.frames.size());
      for (int i = 0; i < 26; i++) {
        assertEquals(i, port.frames.get(i)[20], "frame order");
      }
      port.release();
      assertEquals(0, TestMbufs.pool().inUse());
    }
  }

  @Test
  void unshapingSendsWhatWasQueued() {
    try (StageFixture f = new StageFixture(1)) {
      EgressStageTest.CapturePort port = new EgressStageTest.CapturePort(0);
      TxBuffer tx = new TxBuffer(port, 0, f.counters.slot(0, 0), f.arena);
      tx.shape(new Shaper(new ShaperSpec(1_000_000, 1_000_000, 60, 64), HZ, 0));
      for (int i = 0; i < 5; i++) {
        tx.add(TestMbufs.mbuf(frame().payloadLength(46).build()), 60, false);
      }
      tx.shape(null);
      tx.flush();
      assertEquals(5, port.frames.size());
      port.release();
    }
  }
}
