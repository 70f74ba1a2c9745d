package io.vswitch.dataplane.l2;

import static io.vswitch.dataplane.testing.FrameBuilder.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.dataplane.acl.Acl;
import io.vswitch.dataplane.acl.AclFields;
import io.vswitch.dataplane.acl.AclRule;
import io.vswitch.dataplane.conntrack.ConntrackTable;
import io.vswitch.dataplane.conntrack.CtResult;
import io.vswitch.dataplane.conntrack.CtTimeouts;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.testing.IpPackets;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The conntrack stages between the ACL keys and the ingress ACL, on heap frames: the stateful
 * pattern "allow established/related, allow these new connections, deny the rest" lets replies back
 * with no reverse rule, refuses new connections from the other side, creates state only for what
 * the ACL allowed, and counts refusals and invalid packets by reason.
 */
class ConntrackStageTest {
  private static final String A_MAC = "02:00:00:00:00:0a";
  private static final String B_MAC = "02:00:00:00:00:0b";
  private static final Feature[] PIPELINE = {
    Feature.VLAN_CLASSIFY, Feature.ACL_KEYS, Feature.CONNTRACK, Feature.ACL_IN, Feature.CT_COMMIT
  };

  /** allow established/related; allow new tcp 5000 and udp 53 from 10.0.0.1; allow ARP; deny. */
  static Acl stateful() {
    long a = AclFields.V4_MAPPED | 0x0A00_0001L;
    List<AclRule> rules =
        List.of(
            AclRule.builder(10, true)
                .ctStates(AclFields.CT_ESTABLISHED | AclFields.CT_RELATED)
                .build(),
            AclRule.builder(20, true)
                .ctStates(AclFields.CT_NEW)
                .etherType(0x0800)
                .srcPrefix(0, a, 128)
                .protocol(AclFields.TCP)
                .dstPorts(5000, 5000)
                .build(),
            AclRule.builder(30, true)
                .ctStates(AclFields.CT_NEW)
                .etherType(0x0800)
                .srcPrefix(0, a, 128)
                .protocol(AclFields.UDP)
                .dstPorts(53, 53)
                .build(),
            AclRule.builder(40, true).etherType(0x0806).build());
    return new Acl("stateful", rules, false, 1);
  }

  private static L2Tables tables(Acl acl) {
    return new L2Tables(
        List.of(
            PortPolicy.access(0, 10).acls(acl, null).build(),
            PortPolicy.access(1, 10).acls(acl, null).build()));
  }

  private static byte[] udp(String src, int sport, String dst, int dport) {
    String mac = src.endsWith(".1") ? A_MAC : B_MAC;
    return frame()
        .src(mac)
        .etherType(0x0800)
        .payload(IpPackets.ipv4(src, dst, IpPackets.UDP, sport, dport, 0))
        .build();
  }

  /** A TCP/IPv4 frame with the given sequence fields (the tracker checks them). */
  private static byte[] tcp(
      String src, int sport, String dst, int dport, int flags, int seq, int ack) {
    ByteBuffer b = ByteBuffer.allocate(40);
    b.put((byte) 0x45).put((byte) 0).putShort((short) 40);
    b.putShort((short) 1).putShort((short) 0x4000).put((byte) 64).put((byte) IpPackets.TCP);
    b.putShort((short) 0).put(address(src)).put(address(dst));
    b.putShort((short) sport).putShort((short) dport).putInt(seq).putInt(ack);
    b.put((byte) 0x50).put((byte) flags).putShort((short) 65535).putInt(0);
    byte[] ip = b.array();
    int checksum = IpPackets.checksum(ip, 0, 20);
    ip[10] = (byte) (checksum >>> 8);
    ip[11] = (byte) checksum;
    return frame().src(src.endsWith(".1") ? A_MAC : B_MAC).etherType(0x0800).payload(ip).build();
  }

  private static byte[] address(String literal) {
    return InetAddress.ofLiteral(literal).getAddress();
  }

  private static int verdict(BurstContext ctx, int i) {
    return CtResult.verdict(ctx.ctState[i]);
  }

  @Test
  void udpReplyPassesWithoutAReverseRuleAndANewFlowFromTheServerIsDenied() {
    Acl acl = stateful();
    L2Tables tables = tables(acl);
    try (StageFixture f = StageFixture.withoutDpdk(2);
        ConntrackTable table = new ConntrackTable(1024)) {
      f.conntrack = table;
      BurstContext ctx = f.received(0, List.of(udp("10.0.0.1", 4000, "10.0.0.2", 53)));
      f.run(tables, PIPELINE);
      assertNull(ctx.dropReason(0));
      assertEquals(CtResult.NEW, verdict(ctx, 0));
      assertTrue(CtResult.entry(ctx.ctState[0]) >= 0, "committed: the result names the entry");
      assertEquals(1, table.size());

      ctx = f.received(1, List.of(udp("10.0.0.2", 53, "10.0.0.1", 4000)));
      f.run(tables, PIPELINE);
      assertNull(ctx.dropReason(0), "the reply is established");
      assertEquals(CtResult.ESTABLISHED, verdict(ctx, 0));
      assertTrue(CtResult.isReply(ctx.ctState[0]));

      ctx =
          f.received(
              1,
              List.of(
                  udp("10.0.0.2", 5555, "10.0.0.1", 53), udp("10.0.0.2", 53, "10.0.0.1", 4000)));
      f.run(tables, PIPELINE);
      assertEquals(DropReason.ACL_INGRESS_DENY, ctx.dropReason(0), "new from the server side");
      assertNull(ctx.dropReason(1), "while the allowed flow goes on");
      assertEquals(1, table.size(), "a denied packet leaves no state");
      assertEquals(1, f.counters.sum(1, DropReason.ACL_INGRESS_DENY));
    }
  }

  @Test
  void tcpHandshakeAndDataBothWaysThenAStrayAckIsInvalid() {
    Acl acl = stateful();
    L2Tables tables = tables(acl);
    try (StageFixture f = StageFixture.withoutDpdk(2);
        ConntrackTable table = new ConntrackTable(1024)) {
      f.conntrack = table;
      int syn = CtPacketFlags.SYN;
      int ack = CtPacketFlags.ACK;
      BurstContext ctx =
          f.received(0, List.of(tcp("10.0.0.1", 40000, "10.0.0.2", 5000, syn, 100, 0)));
      f.run(tables, PIPELINE);
      assertNull(ctx.dropReason(0));
      assertEquals(CtResult.NEW, verdict(ctx, 0));

      ctx = f.received(1, List.of(tcp("10.0.0.2", 5000, "10.0.0.1", 40000, syn | ack, 900, 101)));
      f.run(tables, PIPELINE);
      assertNull(ctx.dropReason(0), "SYN-ACK back with no reverse rule");
      assertEquals(CtResult.ESTABLISHED, verdict(ctx, 0));

      ctx = f.received(0, List.of(tcp("10.0.0.1", 40000, "10.0.0.2", 5000, ack, 101, 901)));
      f.run(tables, PIPELINE);
      assertNull(ctx.dropReason(0));
      assertEquals(CtResult.ESTABLISHED, verdict(ctx, 0));
      assertFalse(CtResult.isReply(ctx.ctState[0]));

      ctx = f.received(1, List.of(tcp("10.0.0.2", 5000, "10.0.0.1", 40000, ack, 901, 101)));
      f.run(tables, PIPELINE);
      assertNull(ctx.dropReason(0));

      // A connection the server side tries to open, and an ACK of no connection.
      ctx =
          f.received(
              1,
              List.of(
                  tcp("10.0.0.2", 41000, "10.0.0.1", 5000, syn, 7, 0),
                  tcp("10.0.0.2", 42000, "10.0.0.1", 22, ack, 7, 7)));
      f.run(tables, PIPELINE);
      assertEquals(DropReason.ACL_INGRESS_DENY, ctx.dropReason(0));
      assertEquals(DropReason.CT_INVALID, ctx.dropReason(1));
      assertEquals(CtResult.INVALID, verdict(ctx, 1));
      assertEquals(1, f.counters.sum(1, DropReason.CT_INVALID));
      assertEquals(1, table.size());
    }
  }

  @Test
  void refusedCommitsAreDroppedWithTheirReason() {
    Acl acl = stateful();
    L2Tables tables = tables(acl);
    try (StageFixture f = StageFixture.withoutDpdk(2);
        ConntrackTable table = new ConntrackTable(1024, 1024, CtTimeouts.DEFAULTS)) {
      f.conntrack = table;
      table.setPortLimit(0, 2);
      table.setZoneLimit(10, 3);
      BurstContext ctx =
          f.received(
              0,
              List.of(
                  udp("10.0.0.1", 1, "10.0.0.2", 53),
                  udp("10.0.0.1", 2, "10.0.0.2", 53),
                  udp("10.0.0.1", 3, "10.0.0.2", 53)));
      f.run(tables, PIPELINE);
      assertNull(ctx.dropReason(0));
      assertNull(ctx.dropReason(1));
      assertEquals(DropReason.CT_PORT_LIMIT, ctx.dropReason(2));
      assertEquals(1, f.counters.sum(0, DropReason.CT_PORT_LIMIT));
      assertEquals(2, table.size());
    }
    try (StageFixture f = StageFixture.withoutDpdk(2);
        ConntrackTable table = new ConntrackTable(2, 1, CtTimeouts.DEFAULTS)) {
      f.conntrack = table;
      // Two established connections fill the table; only unestablished ones are ever evicted, so
      // the third is refused, dropped and counted.
      for (int c = 1; c <= 2; c++) {
        f.received(0, List.of(udp("10.0.0.1", c, "10.0.0.2", 53)));
        f.run(tables, PIPELINE);
        BurstContext reply = f.received(1, List.of(udp("10.0.0.2", 53, "10.0.0.1", c)));
        f.run(tables, PIPELINE);
        assertNull(reply.dropReason(0));
      }
      BurstContext ctx = f.received(0, List.of(udp("10.0.0.1", 3, "10.0.0.2", 53)));
      f.run(tables, PIPELINE);
      assertEquals(DropReason.CT_TABLE_FULL, ctx.dropReason(0));
      assertEquals(1, f.counters.sum(0, DropReason.CT_TABLE_FULL));
      assertEquals(2, table.size());
    }
    assertEquals(DropReason.CT_ZONE_LIMIT, CtCommitStage.refusal(CtResult.REFUSED_ZONE));
    assertEquals(DropReason.CT_EMBRYONIC_LIMIT, CtCommitStage.refusal(CtResult.REFUSED_EMBRYONIC));
    assertNull(CtCommitStage.refusal(CtResult.NEW));
  }

  @Test
  void everyPortIsTrackedOnceAnAclUsesCtStateAndNoneOtherwise() {
    Acl acl = stateful();
    L2Tables tracked =
        new L2Tables(
            List.of(
                PortPolicy.access(0, 10).acls(acl, null).build(),
                PortPolicy.access(1, 10).build()));
    for (int port = 0; port < 2; port++) {
      List<Feature> list = List.of(tracked.features(port));
      assertTrue(list.contains(Feature.CONNTRACK), "port " + port + ": " + list);
      assertTrue(list.indexOf(Feature.ACL_KEYS) < list.indexOf(Feature.CONNTRACK));
      assertTrue(list.indexOf(Feature.CONNTRACK) < list.indexOf(Feature.CT_COMMIT));
      assertTrue(list.indexOf(Feature.CT_COMMIT) < list.indexOf(Feature.FORWARD));
    }
    assertTrue(
        List.of(tracked.features(0)).indexOf(Feature.ACL_IN)
            < List.of(tracked.features(0)).indexOf(Feature.CT_COMMIT));
    Acl stateless = new Acl("plain", List.of(AclRule.builder(1, true).vlan(10).build()), false, 1);
    L2Tables plain =
        new L2Tables(List.of(PortPolicy.access(0, 10).acls(stateless, stateless).build()));
    assertFalse(List.of(plain.features(0)).contains(Feature.CONNTRACK));
    assertFalse(List.of(plain.features(0)).contains(Feature.CT_COMMIT));
  }

  @Test
  void aClientOnAnUnguardedPortReachesAGuardedServerWhoseRepliesAreEstablished() {
    Acl acl = stateful();
    L2Tables tables =
        new L2Tables(
            List.of(
                PortPolicy.access(0, 10).build(),
                PortPolicy.access(1, 10).acls(acl, null).build()));
    try (StageFixture f = StageFixture.withoutDpdk(2);
        ConntrackTable table = new ConntrackTable(64)) {
      f.conntrack = table;
      BurstContext ctx = f.received(0, List.of(udp("10.0.0.3", 7000, "10.0.0.2", 9999)));
      f.run(tables, Feature.VLAN_CLASSIFY, Feature.ACL_KEYS, Feature.CONNTRACK, Feature.CT_COMMIT);
      assertNull(ctx.dropReason(0));
      assertEquals(1, table.size(), "committed on the port without an ACL");
      ctx = f.received(1, List.of(udp("10.0.0.2", 9999, "10.0.0.3", 7000)));
      f.run(tables, Feature.VLAN_CLASSIFY, Feature.ACL_KEYS, Feature.CONNTRACK, Feature.ACL_IN);
      assertNull(ctx.dropReason(0));
      assertEquals(CtResult.ESTABLISHED, verdict(ctx, 0), "reply established");
    }
  }

  /**
   * The hostile corpus (cut headers, bad lengths, fragments, extension-header chains) through the
   * stateful pipeline in full bursts: every frame that survives parsing gets a state, non-IP ones
   * are untracked, and nothing reads past a frame (the heap mbufs would fault).
   */
  @Test
  void theHostileCorpusGetsAStateForEveryFrameParsed() {
    Acl acl = stateful();
    L2Tables tables =
        new L2Tables(
            List.of(
                PortPolicy.access(0, 10).acls(acl, null).build(),
                PortPolicy.access(1, 10).build()));
    List<io.vswitch.dataplane.testing.HostileFrames.Case> all =
        io.vswitch.dataplane.testing.HostileFrames.corpus();
    try (StageFixture f = StageFixture.withoutDpdk(2);
        ConntrackTable table = new ConntrackTable(1024)) {
      f.conntrack = table;
      int tracked = 0;
      for (int from = 0; from < all.size(); from += 32) {
        List<io.vswitch.dataplane.testing.HostileFrames.Case> burst =
            all.subList(from, Math.min(all.size(), from + 32));
        BurstContext ctx =
            f.received(
                0,
                burst.stream()
                    .map(io.vswitch.dataplane.testing.HostileFrames.Case::frame)
                    .toList());
        f.run(tables, PIPELINE);
        for (int i = 0; i < burst.size(); i++) {
          DropReason why = ctx.dropReason(i);
          if (why != null && why.ordinal() <= DropReason.VLAN_NOT_ALLOWED.ordinal()) {
            continue; // parse or VLAN refused it: never tracked
          }
          int v = verdict(ctx, i);
          assertTrue(v >= CtResult.NEW && v <= CtResult.REFUSED_EMBRYONIC, burst.get(i).name());
          int type = ctx.etherType[i];
          if (type != 0x0800 && type != 0x86dd) {
            assertEquals(CtResult.UNTRACKED, v, burst.get(i).name() + ": not IP");
          }
          tracked++;
        }
      }
      assertTrue(tracked > all.size() / 2, "most of the corpus reaches conntrack: " + tracked);
      assertTrue(table.size() <= tracked);
    }
  }

  /** TCP flag bits as on the wire. */
  private static final class CtPacketFlags {
    static final int SYN = io.vswitch.dataplane.conntrack.CtPacket.SYN;
    static final int ACK = io.vswitch.dataplane.conntrack.CtPacket.ACK;
  }
}
