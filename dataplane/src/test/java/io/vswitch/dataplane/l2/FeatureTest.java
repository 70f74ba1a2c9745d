package io.vswitch.dataplane.l2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.dataplane.acl.Acl;
import io.vswitch.dataplane.acl.AclRule;
import io.vswitch.dataplane.qos.PolicerSpec;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pipeline as data: which features each port's bursts go through, and in which order. */
class FeatureTest {
  private static final Acl ACL =
      new Acl("deny-tcp", List.of(AclRule.builder(10, false).protocol(6).build()), true, 1);

  private static Feature[] features(L2Tables tables, int port) {
    return tables.features(port);
  }

  @Test
  void aPlainAccessPortRunsOnlyTheCoreOfTheSwitch() {
    L2Tables tables =
        new L2Tables(List.of(PortPolicy.access(0, 10).build(), PortPolicy.trunk(1, 10).build()));
    assertArrayEquals(
        new Feature[] {
          Feature.PARSE,
          Feature.INGRESS_MTU,
          Feature.VLAN_CLASSIFY,
          Feature.FLOW_CACHE,
          Feature.LEARN,
          Feature.FORWARD,
          Feature.EGRESS_FILTER,
          Feature.REPLICATE,
          Feature.FLOW_CACHE_FILL,
          Feature.EGRESS_REWRITE,
          Feature.TRANSMIT
        },
        features(tables, 0));
  }

  @Test
  void eachPolicyAddsItsFeatureAndOnlyToItsPort() {
    PolicerSpec policer = new PolicerSpec(PolicerSpec.Type.SRTCM, 1000, 1500, 0, 1500, true, -1);
    L2Tables tables =
        new L2Tables(
            List.of(
                PortPolicy.access(0, 10)
                    .mac(0x0200_0000_0001L)
                    .forgedTransmits(false)
                    .acls(ACL, null)
                    .mark(3, 10)
                    .policer(policer)
                    .learning(false)
                    .build(),
                PortPolicy.access(1, 10).build()));
    List<Feature> guarded = Arrays.asList(features(tables, 0));
    assertTrue(guarded.containsAll(List.of(Feature.SECURITY, Feature.ACL_IN, Feature.MARK)));
    assertTrue(guarded.containsAll(List.of(Feature.POLICE, Feature.ACL_KEYS)));
    assertTrue(!guarded.contains(Feature.LEARN), "learning off");
    List<Feature> plain = Arrays.asList(features(tables, 1));
    assertTrue(!plain.contains(Feature.SECURITY) && !plain.contains(Feature.ACL_IN));
    assertTrue(!plain.contains(Feature.MARK) && !plain.contains(Feature.POLICE));
    // Keys are extracted for every port once any port has an ACL: an egress ACL may need them.
    assertTrue(plain.contains(Feature.ACL_KEYS));
    assertTrue(!plain.contains(Feature.ACL_OUT), "no port has an egress ACL");
  }

  @Test
  void anEgressAclAnywhereMakesEveryPortCheckEgressAcls() {
    L2Tables tables =
        new L2Tables(
            List.of(
                PortPolicy.access(0, 10).build(),
                PortPolicy.access(1, 10).acls(null, ACL).build()));
    for (int p = 0; p < 2; p++) {
      assertTrue(Arrays.asList(features(tables, p)).contains(Feature.ACL_OUT), "port " + p);
    }
  }

  @Test
  void everyListKeepsThePipelineOrder() {
    L2Tables tables =
        new L2Tables(
            List.of(
                PortPolicy.access(0, 10).acls(ACL, ACL).mark(1, 1).build(),
                PortPolicy.trunk(1, 10).build()));
    for (int p = 0; p < 2; p++) {
      Feature[] list = features(tables, p);
      for (int i = 1; i < list.length; i++) {
        assertTrue(list[i - 1].ordinal() < list[i].ordinal(), Arrays.toString(list));
      }
      assertEquals(Feature.PARSE, list[0]);
      assertEquals(Feature.TRANSMIT, list[list.length - 1]);
    }
  }

  @Test
  void masksFollowTheVlans() {
    L2Tables tables =
        new L2Tables(
            List.of(
                PortPolicy.access(0, 10).build(),
                PortPolicy.access(1, 10).promiscuous(true).build(),
                PortPolicy.trunk(2, 10, 20).build(),
                PortPolicy.access(3, 20).macChanges(false).mac(0x0200_0000_0003L).build()));
    assertEquals(0b0111, tables.memberMask(10));
    assertEquals(0b1100, tables.memberMask(20));
    assertEquals(0b0010, tables.promiscuousMask(10));
    assertEquals(0b0100, tables.taggedMask(10), "only the trunk sends VLAN 10 tagged");
    assertEquals(0b1000, tables.macFilterMask());
  }

  @Test
  void tablesRefuseMorePortSlotsThanAMaskHolds() {
    assertThrows(
        IllegalArgumentException.class, () -> new L2Tables(new PortPolicy[L2Tables.MAX_PORTS + 1]));
  }
}
