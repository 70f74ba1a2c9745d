package io.vswitch.dataplane.l2;

import static io.vswitch.dataplane.testing.FrameBuilder.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.dataplane.l2.tap.Taps;
import io.vswitch.dataplane.l2.team.SlowProtocolRing;
import io.vswitch.dataplane.l2.team.Team;
import io.vswitch.dataplane.stats.DropReason;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A LACP team's receive side on heap mbufs: every slow-protocol frame (well-formed or not, tagged
 * or not) is punted byte for byte and consumed, data from a member that is not collecting is
 * dropped, data from a collecting one goes on (group frames from any collecting member); and the
 * punt ring under several producers loses nothing it accepted and counts what it refused.
 */
class LacpRxStageTest {
  private static final int NIC0 = 2;
  private static final int NIC1 = 3;
  private static final int TEAM = 63;

  private static Team lacpTeam() {
    return new Team(
        "lag",
        TEAM,
        Team.Policy.SRC_MAC,
        new String[] {"nic0", "nic1"},
        new int[] {NIC0, NIC1},
        2,
        true,
        null,
        false,
        new Team.Lacp(true, true, 32768, 0x0200_0000_0001L, 1));
  }

  private static L2Tables tables(Team team) {
    PortPolicy[] p = new PortPolicy[L2Tables.MAX_PORTS];
    p[NIC0] = PortPolicy.access(NIC0, 10).build();
    p[NIC1] = PortPolicy.access(NIC1, 10).build();
    p[TEAM] = PortPolicy.access(TEAM, 10).build();
    return new L2Tables(p, List.of(), Taps.NONE, List.of(team));
  }

  private static byte[] lacpdu(int fill) {
    byte[] f = new byte[124];
    Arrays.fill(f, (byte) fill);
    byte[] head = {1, (byte) 0x80, (byte) 0xc2, 0, 0, 2, 2, 0, 0, 0, 0, 9, (byte) 0x88, 9, 1, 1};
    System.arraycopy(head, 0, f, 0, head.length);
    return f;
  }

  private static byte[] data(String dst) {
    return frame().src("02:00:00:00:00:09").dst(dst).payloadLength(46).build();
  }

  private record Punted(int port, byte[] bytes, int length) {}

  private static List<Punted> drain(Team team) {
    List<Punted> out = new ArrayList<>();
    team.slowProtocols()
        .drain(
            (port, data, offset, captured, length) ->
                out.add(
                    new Punted(port, Arrays.copyOfRange(data, offset, offset + captured), length)),
            1000);
    return out;
  }

  private static BurstContext onMember(StageFixture f, L2Tables t, int member, List<byte[]> in) {
    f.received(TEAM, in);
    f.ctx.receivedOn(member);
    f.run(t, Feature.LACP_RX);
    f.run(t, Feature.VLAN_CLASSIFY, Feature.TEAM_RX);
    return f.ctx;
  }

  @Test
  void lacpdusArePuntedWhateverTheMemberStateAndDataOnlyFromCollectingMembers() {
    try (StageFixture f = StageFixture.withoutDpdk(64)) {
      f.fdb = new Fdb(1024, 300);
      Team team = lacpTeam();
      L2Tables t = tables(team);
      assertEquals(Team.NONE, team.carrierOf(0), "a LACP team starts with nobody carrying");
      byte[] pdu = lacpdu(0x5a);
      byte[] tagged = frame().dst("01:80:c2:00:00:02").vlan(10).etherType(0x8809).build();
      byte[] shortPdu = Arrays.copyOf(lacpdu(0), 40);
      byte[] longPdu = Arrays.copyOf(lacpdu(0x11), 1500);
      BurstContext ctx =
          onMember(
              f,
              t,
              NIC0,
              List.of(
                  pdu,
                  data("02:00:00:00:00:01"),
                  tagged,
                  shortPdu,
                  longPdu,
                  data("ff:ff:ff:ff:ff:ff")));
      assertEquals(DropReason.TEAM_LACPDU, ctx.dropReason(0));
      assertEquals(DropReason.TEAM_NOT_COLLECTING, ctx.dropReason(1));
      assertEquals(
          DropReason.TEAM_LACPDU, ctx.dropReason(2), "tagged: still punted, refused there");
      assertEquals(DropReason.TEAM_LACPDU, ctx.dropReason(3));
      assertEquals(DropReason.TEAM_LACPDU, ctx.dropReason(4));
      assertEquals(DropReason.TEAM_NOT_COLLECTING, ctx.dropReason(5));
      List<Punted> punted = drain(team);
      assertEquals(4, punted.size());
      assertEquals(NIC0, punted.get(0).port());
      assertArrayEquals(pdu, punted.get(0).bytes(), "byte for byte");
      assertEquals(124, punted.get(0).length());
      assertEquals(tagged.length, punted.get(1).length());
      assertEquals(40, punted.get(2).length());
      assertEquals(1500, punted.get(3).length(), "the length as received");
      assertEquals(SlowProtocolRing.SNAPLEN, punted.get(3).bytes().length, "the copy is bounded");

      team.setCollecting(new boolean[] {false, true});
      ctx = onMember(f, t, NIC0, List.of(data("02:00:00:00:00:01")));
      assertEquals(DropReason.TEAM_NOT_COLLECTING, ctx.dropReason(0), "nic0 still not collecting");
      ctx =
          onMember(
              f, t, NIC1, List.of(data("02:00:00:00:00:01"), data("ff:ff:ff:ff:ff:ff"), lacpdu(1)));
      assertNull(ctx.dropReason(0), "unicast from a collecting member");
      assertNull(ctx.dropReason(1), "broadcast from a collecting member: no group filter");
      assertEquals(DropReason.TEAM_LACPDU, ctx.dropReason(2));
      assertEquals(NIC1, drain(team).get(0).port());
      assertTrue(team.isCollecting(NIC1));
      assertFalse(team.isCollecting(NIC0));
    }
  }

  @Test
  void aFullRingRefusesAndCountsAndSeveralProducersLoseNothingAccepted() throws Exception {
    SlowProtocolRing ring = new SlowProtocolRing();
    try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
      java.lang.foreign.MemorySegment frame = arena.allocate(124);
      for (int i = 0; i < SlowProtocolRing.SLOTS; i++) {
        assertTrue(ring.offer(1, frame.address(), 124, 124));
      }
      assertFalse(ring.offer(1, frame.address(), 124, 124));
      assertEquals(1, ring.overflows());
      assertEquals(SlowProtocolRing.SLOTS, ring.drain((p, d, o, c, l) -> {}, 10_000));

      // Four producers, one consumer: every accepted frame arrives once, intact, in its order.
      int producers = 4;
      int each = 20_000;
      AtomicLong accepted = new AtomicLong();
      CountDownLatch start = new CountDownLatch(1);
      List<Thread> threads = new ArrayList<>();
      java.lang.foreign.Arena shared = java.lang.foreign.Arena.ofShared();
      for (int p = 0; p < producers; p++) {
        int id = p;
        java.lang.foreign.MemorySegment mine = shared.allocate(124);
        threads.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      try {
                        start.await();
                      } catch (InterruptedException e) {
                        return;
                      }
                      for (int n = 0; n < each; n++) {
                        mine.set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, 0, n);
                        mine.set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, 4, id);
                        if (ring.offer(id, mine.address(), 124, 124)) {
                          accepted.incrementAndGet();
                        }
                      }
                    }));
      }
      int[] next = new int[producers];
      long[] received = {0};
      boolean[] bad = {false};
      start.countDown();
      while (threads.stream().anyMatch(Thread::isAlive) || received[0] < accepted.get()) {
        ring.drain(
            (port, data, offset, captured, length) -> {
              int n =
                  java.nio.ByteBuffer.wrap(data, offset, 8)
                      .order(java.nio.ByteOrder.nativeOrder())
                      .getInt();
              int id =
                  java.nio.ByteBuffer.wrap(data, offset + 4, 4)
                      .order(java.nio.ByteOrder.nativeOrder())
                      .getInt();
              bad[0] |= id != port || n < next[port] || captured != 124;
              next[port] = n + 1;
              received[0]++;
            },
            64);
      }
      shared.close();
      assertFalse(bad[0], "a frame arrived torn, twice or out of its producer's order");
      assertEquals(accepted.get(), received[0]);
      assertEquals(producers * (long) each, accepted.get() + ring.overflows() - 1);
    }
  }
}
