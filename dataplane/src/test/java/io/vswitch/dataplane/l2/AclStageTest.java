package io.vswitch.dataplane.l2;

import static io.vswitch.dataplane.testing.FrameBuilder.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vswitch.dataplane.acl.Acl;
import io.vswitch.dataplane.acl.AclFields;
import io.vswitch.dataplane.acl.AclRule;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.testing.IpPackets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Keys from real frames on mbufs, a whole burst classified, verdicts dropped and counted. */
class AclStageTest {
  /** deny tcp 10.0.0.1 -> port 80; deny IPv6 from fd00::1; allow the rest (default). */
  static Acl acl() {
    List<AclRule> rules =
        List.of(
            AclRule.builder(10, false)
                .etherType(0x0800)
                .srcPrefix(0, AclFields.V4_MAPPED | 0x0A00_0001L, 128)
                .protocol(AclFields.TCP)
                .dstPorts(80, 80)
                .build(),
            AclRule.builder(20, false).etherType(0x86dd).srcPrefix(0xfd00L << 48, 1, 128).build(),
            AclRule.builder(30, true).protocol(AclFields.TCP).tcpFlags(0x02, 0x12).build());
    return new Acl("test", rules, true, 1);
  }

  /** Frame i: a cycle of denied v4, allowed v4 (port 443), denied v6, allowed v6, ARP. */
  static byte[] frameFor(int i) {
    byte[] payload =
        switch (i % 5) {
          case 0 -> IpPackets.ipv4("10.0.0.1", "10.0.0.2", IpPackets.TCP, 40000 + i, 80, 0x10);
          case 1 -> IpPackets.ipv4("10.0.0.1", "10.0.0.2", IpPackets.TCP, 40000 + i, 443, 0x02);
          case 2 -> IpPackets.ipv6("fd00::1", "fd00::2", IpPackets.UDP, 5000, 53, 0);
          case 3 -> IpPackets.ipv6("fd00::3", "fd00::2", IpPackets.UDP, 5000, 53, 0);
          default -> new byte[28];
        };
    int type = i % 5 < 2 ? 0x0800 : i % 5 < 4 ? 0x86dd : 0x0806;
    return frame().src("02:00:00:00:00:01").etherType(type).payload(payload).build();
  }

  @ParameterizedTest
  @ValueSource(ints = {32, 7})
  void ingressDeniesByRuleAndCountsEveryVerdict(int count) {
    Acl acl = acl();
    PortPolicy port = PortPolicy.access(0, 10).acls(acl, null).build();
    try (StageFixture f = StageFixture.withoutDpdk(2)) {
      List<byte[]> frames = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        frames.add(frameFor(i));
      }
      BurstContext ctx = f.received(0, frames);
      f.run(port, Feature.VLAN_CLASSIFY, Feature.ACL_KEYS, Feature.ACL_IN);
      int denied = 0;
      for (int i = 0; i < count; i++) {
        if (i % 5 == 0 || i % 5 == 2) {
          assertEquals(DropReason.ACL_INGRESS_DENY, ctx.dropReason(i), "frame " + i);
          denied++;
        } else {
          assertNull(ctx.dropReason(i), "frame " + i);
        }
      }
      assertEquals(denied, f.counters.sum(0, DropReason.ACL_INGRESS_DENY));
      assertEquals((count + 4) / 5, acl.hits(0), "rule 10");
      assertEquals((count + 2) / 5, acl.hits(1), "rule 20");
      assertEquals((count + 3) / 5, acl.hits(2), "rule 30: TCP SYN without ACK");
      assertEquals(count - acl.hits(0) - acl.hits(1) - acl.hits(2), acl.hits(3), "default");
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {32, 3})
  void egressAclOfTheUnicastTargetAndOfFloodMembersApplies(int count) {
    Acl acl = acl();
    L2Tables tables =
        new L2Tables(
            List.of(
                PortPolicy.access(0, 10).build(),
                PortPolicy.access(1, 10).acls(null, acl).build()));
    try (StageFixture f = StageFixture.withoutDpdk(2)) {
      List<byte[]> frames = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        frames.add(frameFor(0)); // all denied by rule 10
      }
      BurstContext ctx = f.received(0, frames);
      f.run(tables, Feature.VLAN_CLASSIFY, Feature.ACL_KEYS);
      for (int i = 0; i < count; i++) {
        ctx.egress[i] = i == 0 ? BurstContext.FLOOD : 1;
      }
      f.egressAcls(tables);
      // The flood's one member (port 1) refuses it too: a flood no member takes is an egress deny.
      for (int i = 0; i < count; i++) {
        assertEquals(DropReason.ACL_EGRESS_DENY, ctx.dropReason(i));
      }
      assertEquals(count, acl.hits(0));
    }
  }
}
