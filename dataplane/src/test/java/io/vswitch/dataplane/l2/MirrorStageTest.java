package io.vswitch.dataplane.l2;

import static io.vswitch.dataplane.testing.FrameBuilder.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.dataplane.l2.mirror.ErspanTunnel;
import io.vswitch.dataplane.l2.mirror.MirrorSession;
import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.stats.PortCounter;
import io.vswitch.dataplane.testing.TestMbufs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Port mirroring through the whole pipeline of a port's compiled features: which copies each
 * destination gets, and that the originals leave exactly as they do without mirroring.
 */
class MirrorStageTest {
  private static final String H0 = "02:00:00:00:00:10";
  private static final String H1 = "02:00:00:00:00:11";
  private static final int RSPAN = 999;

  /** 0: access 10. 1: access 10. 2: trunk 10,20. 3: access 10 (a destination). 4: trunk 999. */
  private static PortPolicy[] policies() {
    return new PortPolicy[] {
      PortPolicy.access(0, 10).build(),
      PortPolicy.access(1, 10).build(),
      PortPolicy.trunk(2, 10, 20).build(),
      PortPolicy.access(3, 10).build(),
      PortPolicy.trunk(4, 20, RSPAN).build()
    };
  }

  private static L2Tables tables(MirrorSession... sessions) {
    return new L2Tables(policies(), List.of(sessions));
  }

  private static MirrorSession span(long in, long out, int destination) {
    return MirrorSession.local("m", in, out, destination, null, MirrorSession.WHOLE_FRAME);
  }

  private final List<EgressStageTest.CapturePort> ports = new ArrayList<>();

  /** Receives {@code frames} on {@code port} and runs that port's compiled features. */
  private static void switchBurst(
      StageFixture f, L2Tables tables, TxBuffer[] tx, int port, List<byte[]> frames) {
    f.received(port, frames);
    Feature[] features =
        Arrays.stream(tables.features(port))
            .filter(x -> x != Feature.PARSE)
            .toArray(Feature[]::new);
    f.run(tables, tx, features);
    f.ctx.freeDropped();
  }

  private List<byte[]> sent(int port) {
    return ports.get(port).frames;
  }

  private void releaseAll() {
    ports.forEach(EgressStageTest.CapturePort::release);
    assertEquals(0, TestMbufs.pool().inUse(), "every original and copy freed once");
  }

  private static byte[] broadcastFrom(String src, int length) {
    return frame().src(src).dst("ff:ff:ff:ff:ff:ff").payloadLength(length).build();
  }

  @Test
  void ingressCopiesWhatTheSourceReceivesAsReceived() {
    try (StageFixture f = new StageFixture(5)) {
      f.fdb = new Fdb(1024, 300);
      TxBuffer[] tx = EgressStageTest.buffers(f, ports);
      L2Tables tables = tables(span(1L << 0, 0, 3));
      assertTrue(Arrays.asList(tables.features(0)).contains(Feature.MIRROR_IN));
      assertFalse(Arrays.asList(tables.features(1)).contains(Feature.MIRROR_IN), "zero cost");
      byte[] fromSource = broadcastFrom(H0, 60);
      switchBurst(f, tables, tx, 0, List.of(fromSource));
      byte[] toSource = frame().src(H1).dst(H0).payloadLength(70).build();
      switchBurst(f, tables, tx, 1, List.of(toSource));

      assertEquals(1, sent(3).size(), "only the received frame: the mirror is in only");
      assertArrayEquals(fromSource, sent(3).get(0));
      assertEquals(1, sent(1).size(), "the flood reached port 1, not the destination");
      assertEquals(1, sent(0).size());
      assertEquals(1, f.counters.sum(3, PortCounter.MIRROR_PACKETS));
      assertEquals(0, f.counters.sum(3, PortCounter.TX_FLOOD), "a copy is no flood");
      f.fdb.close();
      releaseAll();
    }
  }

  @Test
  void egressCopiesWhatTheSourceSendsAsItLeaves() {
    try (StageFixture f = new StageFixture(5)) {
      f.fdb = new Fdb(1024, 300);
      TxBuffer[] tx = EgressStageTest.buffers(f, ports);
      // Port 2 (a trunk) is the source: its frames leave tagged, and so do their copies.
      L2Tables tables = tables(span(0, 1L << 2, 3));
      assertFalse(Arrays.asList(tables.features(0)).contains(Feature.MIRROR_IN));
      byte[] fromAccess = broadcastFrom(H0, 60);
      switchBurst(f, tables, tx, 0, List.of(fromAccess));
      switchBurst(f, tables, tx, 2, List.of(frame().src(H1).vlan(10).payloadLength(60).build()));

      assertEquals(1, sent(3).size(), "what port 2 sent, not what it received");
      assertArrayEquals(frame().src(H0).vlan(10).payloadLength(60).build(), sent(3).get(0));
      assertArrayEquals(sent(2).get(0), sent(3).get(0), "as it left");
      f.fdb.close();
      releaseAll();
    }
  }

  @Test
  void bothDirectionsCopyEachWayOnce() {
    try (StageFixture f = new StageFixture(5)) {
      f.fdb = new Fdb(1024, 300);
      TxBuffer[] tx = EgressStageTest.buffers(f, ports);
      L2Tables tables = tables(span(1L << 0, 1L << 0, 3));
      byte[] out = broadcastFrom(H0, 60);
      byte[] back = frame().src(H1).dst(H0).payloadLength(80).build();
      switchBurst(f, tables, tx, 0, List.of(out));
      switchBurst(f, tables, tx, 1, List.of(back));
      switchBurst(f, tables, tx, 1, List.of(frame().src(H1).dst("02:00:00:00:00:99").build()));

      // The unknown unicast floods to 0 too: three copies, in the order the frames were seen.
      assertEquals(3, sent(3).size());
      assertArrayEquals(out, sent(3).get(0));
      assertArrayEquals(back, sent(3).get(1));
      assertEquals(3, f.counters.sum(3, PortCounter.MIRROR_PACKETS));
      f.fdb.close();
      releaseAll();
    }
  }

  @Test
  void originalsAreByteIdenticalWithAndWithoutMirroring() {
    List<byte[]> burst = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      burst.add(
          frame().src(H0).dst(i % 2 == 0 ? "ff:ff:ff:ff:ff:ff" : H1).payloadLength(46 + i).build());
    }
    List<List<byte[]>> plain = deliveries(tables(), burst);
    List<List<byte[]>> mirrored =
        deliveries(
            tables(MirrorSession.local("m", 1L << 0, (1L << 1) | (1L << 2), 3, null, 64)), burst);
    for (int p : new int[] {0, 1, 2, 4}) {
      assertEquals(plain.get(p).size(), mirrored.get(p).size(), "port " + p);
      for (int i = 0; i < plain.get(p).size(); i++) {
        assertArrayEquals(plain.get(p).get(i), mirrored.get(p).get(i), "port " + p + " frame " + i);
      }
    }
    assertEquals(8, plain.get(3).size(), "without the mirror, port 3 is a member of VLAN 10");
    assertEquals(8 * 3, mirrored.get(3).size(), "with it, the copies: 0 in, 1 out, 2 out");
  }

  /** What each port was sent for {@code burst} received on port 0, and nothing leaked. */
  private static List<List<byte[]>> deliveries(L2Tables tables, List<byte[]> burst) {
    List<EgressStageTest.CapturePort> capture = new ArrayList<>();
    try (StageFixture f = new StageFixture(5)) {
      f.fdb = new Fdb(1024, 300);
      TxBuffer[] tx = EgressStageTest.buffers(f, capture);
      switchBurst(f, tables, tx, 0, burst);
      List<List<byte[]>> out = new ArrayList<>();
      capture.forEach(c -> out.add(List.copyOf(c.frames)));
      capture.forEach(EgressStageTest.CapturePort::release);
      f.fdb.close();
      assertEquals(0, TestMbufs.pool().inUse());
      return out;
    }
  }

  @Test
  void theVlanFilterTakesOnlyItsVlans() {
    try (StageFixture f = new StageFixture(5)) {
      f.fdb = new Fdb(1024, 300);
      TxBuffer[] tx = EgressStageTest.buffers(f, ports);
      BitSet vlan20 = new BitSet();
      vlan20.set(20);
      L2Tables tables =
          tables(MirrorSession.local("m", 1L << 2, 0, 3, vlan20, MirrorSession.WHOLE_FRAME));
      byte[] in10 = frame().src(H1).vlan(10).payloadLength(50).build();
      byte[] in20 = frame().src(H1).vlan(20).payloadLength(51).build();
      switchBurst(f, tables, tx, 2, List.of(in10, in20, in10));
      assertEquals(1, sent(3).size());
      assertArrayEquals(in20, sent(3).get(0));
      f.fdb.close();
      releaseAll();
    }
  }

  @Test
  void truncationCutsTheCopyNotTheOriginal() {
    try (StageFixture f = new StageFixture(5)) {
      f.fdb = new Fdb(1024, 300);
      TxBuffer[] tx = EgressStageTest.buffers(f, ports);
      L2Tables tables = tables(MirrorSession.local("m", 1L << 0, 0, 3, null, 64));
      byte[] big = broadcastFrom(H0, 400);
      byte[] small = broadcastFrom(H0, 30);
      switchBurst(f, tables, tx, 0, List.of(big, small));
      assertArrayEquals(Arrays.copyOf(big, 64), sent(3).get(0));
      assertArrayEquals(small, sent(3).get(1), "shorter than the cut: whole");
      assertArrayEquals(big, sent(1).get(0));
      assertEquals(64 + small.length, f.counters.sum(3, PortCounter.TX_BYTES));
      f.fdb.close();
      releaseAll();
    }
  }

  @Test
  void rspanCopiesLeaveTaggedWithTheRspanVlanAndTheVlanCarriesNothingElse() {
    try (StageFixture f = new StageFixture(5)) {
      f.fdb = new Fdb(1024, 300);
      TxBuffer[] tx = EgressStageTest.buffers(f, ports);
      L2Tables tables =
          tables(
              MirrorSession.remote(
                  "r", (1L << 0) | (1L << 2), 0, RSPAN, null, MirrorSession.WHOLE_FRAME));
      byte[] untagged = broadcastFrom(H0, 60);
      switchBurst(f, tables, tx, 0, List.of(untagged));
      byte[] tagged = frame().src(H1).vlan(20).payloadLength(60).build();
      switchBurst(f, tables, tx, 2, List.of(tagged));
      // Port 4 also carries VLAN 20: it gets port 2's flood there, then the two copies.
      List<byte[]> rspan = sent(4).stream().filter(b -> vid(b) == RSPAN).toList();
      assertEquals(2, rspan.size());
      assertArrayEquals(
          frame().src(H0).dst("ff:ff:ff:ff:ff:ff").vlan(RSPAN).payloadLength(60).build(),
          rspan.get(0));
      assertArrayEquals(frame().src(H1).vlan(RSPAN).payloadLength(60).build(), rspan.get(1));
      assertEquals(1, sent(4).stream().filter(b -> vid(b) == 20).count());
      assertEquals(2, f.counters.sum(4, PortCounter.MIRROR_PACKETS));

      // An ordinary frame in the RSPAN VLAN goes nowhere.
      switchBurst(f, tables, tx, 4, List.of(frame().src(H1).vlan(RSPAN).build()));
      assertEquals(1, f.counters.sum(4, DropReason.NO_EGRESS));
      f.fdb.close();
      releaseAll();
    }
  }

  private static int vid(byte[] frame) {
    boolean tagged = (frame[12] & 0xFF) == 0x81 && frame[13] == 0;
    return tagged ? ((frame[14] & 0x0F) << 8) | (frame[15] & 0xFF) : 0;
  }

  @Test
  void theDestinationTakesNoNormalIoAndCopiesAreNeitherLearnedNorMirroredAgain() {
    try (StageFixture f = new StageFixture(5)) {
      f.fdb = new Fdb(1024, 300);
      TxBuffer[] tx = EgressStageTest.buffers(f, ports);
      // Session b mirrors what port 3 sends: but port 3 only ever sends copies.
      L2Tables tables =
          tables(span(1L << 0, 0, 3), MirrorSession.local("b", 0, 1L << 3, 4, null, 0));
      assertEquals(Feature.MIRROR_DESTINATION, tables.features(3)[1]);
      switchBurst(f, tables, tx, 0, List.of(broadcastFrom(H0, 60)));
      switchBurst(f, tables, tx, 3, List.of(broadcastFrom(H1, 60)));

      assertEquals(1, sent(3).size());
      assertEquals(1, sent(1).size(), "port 1: the flood");
      assertEquals(0, sent(4).size(), "no copy of the copy");
      assertEquals(1, f.counters.sum(3, DropReason.MIRROR_DESTINATION_RX));
      assertEquals(0, sent(0).size(), "what port 3 received went nowhere");
      long h1 = MacAddress.parse(H1);
      assertEquals(Fdb.MISS, f.fdb.lookup(Fdb.key(10, h1), f.seconds), "not learned");
      assertEquals(0, f.fdb.lookup(Fdb.key(10, MacAddress.parse(H0)), f.seconds));
      assertFalse(tables.carries(3, 10), "no unicast to the destination either");
      f.fdb.close();
      releaseAll();
    }
  }

  /** A destination whose transmit queue takes nothing: it frees what it is given. */
  private static final class FullPort extends EgressStageTest.CapturePort {
    FullPort(int index) {
      super(index);
    }

    @Override
    public int transmit(int queue, PacketBatch batch) {
      batch.freeAll();
      return 0;
    }
  }

  @Test
  void aSlowDestinationDropsCopiesNotOriginals() {
    try (StageFixture f = new StageFixture(5)) {
      f.fdb = new Fdb(1024, 300);
      TxBuffer[] tx = EgressStageTest.buffers(f, ports);
      tx[3] = new TxBuffer(new FullPort(3), 0, f.counters.slot(0, 3), f.arena);
      L2Tables tables = tables(span(1L << 0, 0, 3));
      List<byte[]> burst = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        burst.add(broadcastFrom(H0, 46 + i));
      }
      switchBurst(f, tables, tx, 0, burst);
      assertEquals(32, sent(1).size());
      assertEquals(32, sent(2).size());
      assertEquals(32, f.counters.sum(3, DropReason.MIRROR_DROPPED));
      assertEquals(0, f.counters.sum(3, DropReason.TX_QUEUE_FULL));
      assertEquals(0, f.counters.sum(0, DropReason.MIRROR_DROPPED));
      f.fdb.close();
      releaseAll();
    }
  }

  @Test
  void erspanCopiesLeaveTheViaPortInAGreTunnelAndItKeepsItsTraffic() {
    try (StageFixture f = new StageFixture(5)) {
      f.fdb = new Fdb(1024, 300);
      TxBuffer[] tx = EgressStageTest.buffers(f, ports);
      int src = 0x0A00_0001;
      int dst = 0x0A00_0002;
      ErspanTunnel tunnel =
          new ErspanTunnel(
              MacAddress.parse("02:00:00:00:ee:01"),
              MacAddress.parse("02:00:00:00:ee:02"),
              src,
              dst,
              77);
      L2Tables tables =
          tables(MirrorSession.erspan("e", 1L << 0, 0, 4, tunnel, null, MirrorSession.WHOLE_FRAME));
      assertTrue(tables.carries(4, 20), "the via port keeps its normal traffic");
      byte[] mirrored = broadcastFrom(H0, 60);
      switchBurst(f, tables, tx, 0, List.of(mirrored, mirrored));
      assertEquals(2, sent(4).size());
      java.nio.ByteBuffer p = java.nio.ByteBuffer.wrap(sent(4).get(1));
      assertEquals(ErspanTunnel.HEADER_BYTES + mirrored.length, p.remaining());
      assertEquals(0x0800, p.getShort(12) & 0xFFFF);
      assertEquals(0x45, p.get(14));
      assertEquals(20 + 8 + 8 + mirrored.length, p.getShort(16) & 0xFFFF);
      assertEquals(47, p.get(23), "GRE");
      assertEquals(src, p.getInt(26));
      assertEquals(dst, p.getInt(30));
      int sum = 0;
      for (int o = 14; o < 34; o += 2) {
        sum += p.getShort(o) & 0xFFFF;
      }
      assertEquals(0xFFFF, (sum & 0xFFFF) + (sum >>> 16), "IPv4 header checksum");
      assertEquals(0x1000_88BE, p.getInt(34), "GRE: sequence number present, ERSPAN");
      assertEquals(2, p.getInt(38), "the second copy of this worker");
      int erspan = p.getInt(42);
      assertEquals(1, erspan >>> 28, "type II");
      assertEquals(10, (erspan >>> 16) & 0xFFF, "the frame's VLAN");
      assertEquals(77, erspan & 0x3FF);
      assertEquals(0, p.getInt(46), "mirrored on port 0");
      assertArrayEquals(
          mirrored, Arrays.copyOfRange(sent(4).get(1), ErspanTunnel.HEADER_BYTES, p.capacity()));
      assertEquals(2, f.counters.sum(4, PortCounter.MIRROR_PACKETS));
      f.fdb.close();
      releaseAll();
    }
  }
}
