package io.vswitch.dataplane.l2;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vswitch.dataplane.acl.Acl;
import io.vswitch.dataplane.acl.AclFields;
import io.vswitch.dataplane.acl.AclRule;
import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.testing.HostileFrames;
import io.vswitch.dataplane.testing.HostileFrames.Case;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The hostile corpus through parse and the ACL stage, in full bursts and a remainder: every frame's
 * fate, and every drop counted under its reason.
 */
class HostileCorpusTest {
  /** The corpus repeated so that it fills full bursts and leaves a remainder. */
  private static List<Case> bursts() {
    List<Case> all = new ArrayList<>(HostileFrames.corpus());
    all.addAll(HostileFrames.corpus());
    if (all.size() % PacketBatch.MAX_BURST == 0) {
      all.remove(all.size() - 1);
    }
    return all;
  }

  @Test
  void ingressAclGivesEveryFrameItsFate() {
    run(HostileFrames.acl(), Case::fate, false);
  }

  @Test
  void egressAclOfAUnicastTargetGivesTheSameFates() {
    run(
        HostileFrames.acl(),
        c -> c.fate() == DropReason.ACL_INGRESS_DENY ? DropReason.ACL_EGRESS_DENY : c.fate(),
        true);
  }

  @Test
  void floodMembersWithTheAclAsEgressRefuseWhatTheIngressAclWould() {
    Acl acl = HostileFrames.acl();
    L2Tables tables =
        new L2Tables(
            List.of(
                PortPolicy.access(0, 10).build(),
                PortPolicy.access(1, 10).acls(null, acl).build(),
                PortPolicy.access(2, 10).acls(null, acl).build()));
    List<Case> all = bursts();
    try (StageFixture f = new StageFixture(3)) {
      List<EgressStageTest.CapturePort> ports = new ArrayList<>();
      TxBuffer[] tx = new TxBuffer[3];
      for (int p = 0; p < 3; p++) {
        ports.add(new EgressStageTest.CapturePort(p));
        tx[p] = new TxBuffer(ports.get(p), 0, f.counters.slot(0, p), f.arena);
      }
      long sent = 0;
      for (int from = 0; from < all.size(); from += PacketBatch.MAX_BURST) {
        List<Case> burst = all.subList(from, Math.min(all.size(), from + PacketBatch.MAX_BURST));
        BurstContext ctx = f.received(0, burst.stream().map(Case::frame).toList());
        f.run(tables, Feature.VLAN_CLASSIFY);
        for (int i = 0; i < burst.size(); i++) {
          ctx.egress[i] = BurstContext.FLOOD;
        }
        f.egress(tables, tx);
        for (int i = 0; i < burst.size(); i++) {
          DropReason want = burst.get(i).fate();
          DropReason parse = want == null ? null : parseDrop(want);
          assertEquals(
              want == null ? null : parse != null ? parse : DropReason.ACL_EGRESS_DENY,
              ctx.dropReason(i),
              burst.get(i).name());
          sent += want == null ? 1 : 0;
        }
        ctx.freeDropped();
        for (TxBuffer b : tx) {
          b.flush();
        }
      }
      assertEquals(sent, ports.get(1).mbufs.size());
      assertEquals(sent, ports.get(2).mbufs.size());
      ports.forEach(EgressStageTest.CapturePort::release);
    }
  }

  @Test
  void fragmentsAllowedAreClassifiedWithoutPorts() {
    // fragments: allow: non-first fragments have no ports, so "deny tcp dst-port 80" cannot
    // match them and the default (allow) does; tiny and overlapping ones are still dropped.
    run(HostileFrames.acl(true), c -> c.fate() == DropReason.ACL_FRAGMENT ? null : c.fate(), false);
  }

  @Test
  void anAclWithoutL4RulesClassifiesWhatItCannotSeeTheL4Of() {
    // Only an address rule: fragments and unknown L4 are classified on what they have, so the
    // source rule denies all IPv4 from 10.0.0.1 (every IPv4 frame of the corpus).
    Acl l3 =
        new Acl(
            "l3",
            List.of(
                AclRule.builder(10, false)
                    .etherType(0x0800)
                    .srcPrefix(0, AclFields.V4_MAPPED | 0x0A00_0001L, 128)
                    .build()),
            true,
            1);
    run(
        l3,
        c -> {
          DropReason parse = c.fate() == null ? null : parseDrop(c.fate());
          if (parse != null || c.fate() == DropReason.TINY_FRAGMENT) {
            return c.fate();
          }
          return (c.frame()[12] & 0xFF) == 0x08 && c.frame()[13] == 0
              ? DropReason.ACL_INGRESS_DENY
              : null;
        },
        false);
  }

  private static DropReason parseDrop(DropReason r) {
    return r == DropReason.BAD_IP_LENGTH || r == DropReason.TRUNCATED_HEADER ? r : null;
  }

  private static void run(Acl acl, Function<Case, DropReason> fate, boolean egress) {
    List<Case> all = bursts();
    L2Tables tables =
        new L2Tables(
            List.of(
                PortPolicy.access(0, 10).acls(egress ? null : acl, null).build(),
                PortPolicy.access(1, 10).acls(null, egress ? acl : null).build()));
    Map<DropReason, Long> expected = new EnumMap<>(DropReason.class);
    try (StageFixture f = new StageFixture(2)) {
      for (int from = 0; from < all.size(); from += PacketBatch.MAX_BURST) {
        List<Case> burst = all.subList(from, Math.min(all.size(), from + PacketBatch.MAX_BURST));
        BurstContext ctx = f.received(0, burst.stream().map(Case::frame).toList());
        f.run(tables, Feature.VLAN_CLASSIFY, Feature.ACL_KEYS);
        if (egress) {
          for (int i = 0; i < burst.size(); i++) {
            ctx.egress[i] = 1;
          }
          f.egressAcls(tables);
        } else {
          f.run(tables, Feature.ACL_IN);
        }
        for (int i = 0; i < burst.size(); i++) {
          DropReason want = fate.apply(burst.get(i));
          assertEquals(want, ctx.dropReason(i), burst.get(i).name());
          if (want != null) {
            expected.merge(want, 1L, Long::sum);
          }
        }
        f.releaseBurst();
      }
      for (DropReason reason : DropReason.values()) {
        assertEquals(expected.getOrDefault(reason, 0L), f.counters.sum(0, reason), reason.label());
      }
    }
  }
}
