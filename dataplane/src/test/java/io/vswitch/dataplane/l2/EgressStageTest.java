package io.vswitch.dataplane.l2;

import static io.vswitch.dataplane.testing.FrameBuilder.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.dataplane.port.Port;
import io.vswitch.dataplane.port.PortDeviceStats;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.stats.PortCounter;
import io.vswitch.dataplane.testing.TestMbufs;
import io.vswitch.ffm.Mbuf;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EgressStageTest {

  /** A port that keeps what it is sent (the mbuf addresses and their bytes at send time). */
  static class CapturePort implements Port {
    final int index;
    final List<Long> mbufs = new ArrayList<>();
    final List<byte[]> frames = new ArrayList<>();

    CapturePort(int index) {
      this.index = index;
    }

    public String name() {
      return "p" + index;
    }

    public int index() {
      return index;
    }

    public int rxQueueCount() {
      return 1;
    }

    public int txQueueCount() {
      return 1;
    }

    public int receive(int queue, PacketBatch batch) {
      return 0;
    }

    public int transmit(int queue, PacketBatch batch) {
      for (int i = 0; i < batch.count(); i++) {
        mbufs.add(batch.mbuf(i));
        frames.add(TestMbufs.bytes(batch.mbuf(i)));
      }
      int n = batch.count();
      batch.clear();
      return n;
    }

    /** Frees what it was sent, once per send (as a driver would). */
    void release() {
      mbufs.forEach(Mbuf::free);
      mbufs.clear();
    }

    public void start() {}

    public void stop() {}

    public PortDeviceStats deviceStats() {
      return new PortDeviceStats(0, 0, 0, 0, 0, 0);
    }

    public void close() {}
  }

  /**
   * Port 0: access 10 (ingress). 1: access 10. 2: trunk 10,20. 3: access 20. 4: trunk native 10.
   */
  static L2Tables tables(PortPolicy.Builder port1) {
    return new L2Tables(
        List.of(
            PortPolicy.access(0, 10).build(),
            port1.build(),
            PortPolicy.trunk(2, 10, 20).build(),
            PortPolicy.access(3, 20).build(),
            PortPolicy.trunk(4, 20).nativeVlan(10, false).build()));
  }

  private final List<CapturePort> ports = new ArrayList<>();

  private TxBuffer[] buffers(StageFixture f) {
    return buffers(f, ports);
  }

  /** Five capture ports (added to {@code ports}) behind transmit buffers of worker 0. */
  static TxBuffer[] buffers(StageFixture f, List<CapturePort> ports) {
    TxBuffer[] tx = new TxBuffer[5];
    for (int p = 0; p < 5; p++) {
      CapturePort port = new CapturePort(p);
      ports.add(port);
      tx[p] = new TxBuffer(port, 0, f.counters.slot(0, p), f.arena);
    }
    return tx;
  }

  private void run(StageFixture f, BurstContext ctx, L2Tables tables, TxBuffer[] tx) {
    f.run(tables, Feature.VLAN_CLASSIFY);
    f.egress(tables, tx);
    for (TxBuffer b : tx) {
      b.flush();
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {32, 6})
  void unicastToATrunkIsTaggedInPlace(int count) {
    try (StageFixture f = new StageFixture(5)) {
      TxBuffer[] tx = buffers(f);
      List<byte[]> frames = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        frames.add(frame().dst("02:00:00:00:00:02").payloadLength(50 + i).build());
      }
      BurstContext ctx = f.received(0, frames);
      for (int i = 0; i < count; i++) {
        ctx.egress[i] = 2;
      }
      run(f, ctx, tables(PortPolicy.access(1, 10)), tx);
      CapturePort trunk = ports.get(2);
      assertEquals(count, trunk.frames.size());
      for (int i = 0; i < count; i++) {
        byte[] expected = frame().dst("02:00:00:00:00:02").vlan(10).payloadLength(50 + i).build();
        assertArrayEquals(expected, trunk.frames.get(i), "frame " + i);
        assertEquals(frames.get(i).length + 4, trunk.frames.get(i).length);
      }
      assertEquals(count, f.counters.sum(2, PortCounter.TX_UNICAST));
      trunk.release();
      assertEquals(0, TestMbufs.pool().inUse());
    }
  }

  @Test
  void unicastFromATrunkToAnAccessPortIsUntagged() {
    try (StageFixture f = new StageFixture(5)) {
      TxBuffer[] tx = buffers(f);
      BurstContext ctx = f.received(2, List.of(frame().vlan(10).payloadLength(60).build()));
      ctx.egress[0] = 1;
      run(f, ctx, tables(PortPolicy.access(1, 10)), tx);
      assertArrayEquals(frame().payloadLength(60).build(), ports.get(1).frames.get(0));
      ports.get(1).release();
    }
  }

  @Test
  void floodSharesTheMbufWherePortsAgreeAndCopiesOnceWhereThey() {
    try (StageFixture f = new StageFixture(5)) {
      TxBuffer[] tx = buffers(f);
      byte[] broadcast = frame().payloadLength(46).build();
      BurstContext ctx = f.received(0, List.of(broadcast));
      ctx.egress[0] = BurstContext.FLOOD;
      long original = ctx.batch().mbuf(0);
      run(f, ctx, tables(PortPolicy.access(1, 10)), tx);

      // VLAN 10: port 1 (untagged), port 2 (tagged), port 4 (native, untagged); not 0, not 3.
      assertEquals(1, ports.get(1).frames.size());
      assertEquals(1, ports.get(2).frames.size());
      assertEquals(0, ports.get(3).frames.size());
      assertEquals(1, ports.get(4).frames.size());
      assertEquals(original, ports.get(1).mbufs.get(0));
      assertEquals(original, ports.get(4).mbufs.get(0));
      assertEquals(2, Mbuf.refCount(original), "shared by ports 1 and 4");
      long copy = ports.get(2).mbufs.get(0);
      assertEquals(1, Mbuf.refCount(copy));
      assertArrayEquals(broadcast, ports.get(1).frames.get(0));
      assertArrayEquals(frame().vlan(10).payloadLength(46).build(), ports.get(2).frames.get(0));
      assertEquals(1, f.counters.sum(2, PortCounter.TX_FLOOD));

      ports.forEach(CapturePort::release);
      assertEquals(0, TestMbufs.pool().inUse(), "each port's free took one reference");
    }
  }

  @Test
  void floodInAVlanWithNoOtherPortIsDropped() {
    try (StageFixture f = new StageFixture(5)) {
      TxBuffer[] tx = buffers(f);
      L2Tables lonely =
          new L2Tables(
              List.of(
                  PortPolicy.access(0, 30).build(),
                  PortPolicy.access(1, 10).build(),
                  PortPolicy.access(2, 10).build(),
                  PortPolicy.access(3, 10).build(),
                  PortPolicy.access(4, 10).build()));
      BurstContext ctx = f.received(0, List.of(frame().build()));
      ctx.egress[0] = BurstContext.FLOOD;
      run(f, ctx, lonely, tx);
      assertEquals(1, f.counters.sum(0, DropReason.NO_EGRESS));
      assertEquals(0, TestMbufs.pool().inUse());
    }
  }

  @Test
  void portRejectingMacChangesGetsOnlyFramesForItsOwnMac() {
    long mine = MacAddress.parse("02:00:00:00:00:01");
    try (StageFixture f = new StageFixture(5)) {
      TxBuffer[] tx = buffers(f);
      BurstContext ctx =
          f.received(
              0,
              List.of(
                  frame().dst("02:00:00:00:00:01").build(),
                  frame().dst("02:00:00:00:00:77").build(),
                  frame().dst("02:00:00:00:00:77").build()));
      ctx.egress[0] = 1;
      ctx.egress[1] = 1;
      ctx.egress[2] = BurstContext.FLOOD;
      run(f, ctx, tables(PortPolicy.access(1, 10).mac(mine).macChanges(false)), tx);
      assertEquals(1, ports.get(1).frames.size(), "only the frame to its own MAC");
      assertEquals(DropReason.MAC_CHANGE, ctx.dropReason(1));
      assertEquals(1, ports.get(2).frames.size(), "the unknown unicast still floods elsewhere");
      ports.forEach(CapturePort::release);
      assertEquals(0, TestMbufs.pool().inUse());
    }
  }

  @Test
  void promiscuousPortAlsoGetsUnicastForOthers() {
    try (StageFixture f = new StageFixture(5)) {
      TxBuffer[] tx = buffers(f);
      BurstContext ctx = f.received(0, List.of(frame().dst("02:00:00:00:00:02").build()));
      ctx.egress[0] = 2;
      run(f, ctx, tables(PortPolicy.access(1, 10).promiscuous(true)), tx);
      assertEquals(1, ports.get(1).frames.size(), "promiscuous port 1 sees it");
      assertEquals(1, ports.get(2).frames.size(), "its destination gets it");
      assertEquals(0, ports.get(4).frames.size(), "a non-promiscuous member does not");
      ports.forEach(CapturePort::release);
      assertEquals(0, TestMbufs.pool().inUse());
    }
  }
}
