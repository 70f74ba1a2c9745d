package io.vswitch.dataplane.acl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Rules of one priority: what a security-group rule compiles to (one per address pair, one action).
 * They keep their order and their hits sum per priority; one priority with two actions is still
 * refused, since then the order would decide verdicts.
 */
class AclPriorityTest {
  private static AclRule rule(int priority, boolean allow, int dstPort) {
    return AclRule.builder(priority, allow)
        .protocol(AclFields.TCP)
        .dstPorts(dstPort, dstPort)
        .build();
  }

  @Test
  void rulesOfOnePriorityAndOneActionAreKeptInOrderAndTheirHitsSum() {
    Acl acl =
        new Acl(
            "g",
            List.of(rule(20, true, 2), rule(10, false, 1), rule(20, true, 3), rule(30, true, 4)),
            false,
            2);
    assertEquals(List.of(10, 20, 20, 30), acl.rules().stream().map(AclRule::priority).toList());
    acl.decide(0, 1);
    acl.decide(1, 2);
    acl.decide(1, 2);
    acl.decide(0, 3);
    acl.decide(0, -1);
    assertEquals(3, acl.hitsOfPriority(20), "both workers' stripes, both compiled rules");
    assertEquals(1, acl.hitsOfPriority(30));
    assertEquals(0, acl.hitsOfPriority(10));
    assertEquals(1, acl.hits(acl.rules().size()), "the default");
  }

  @Test
  void onePriorityWithTwoActionsIsRefused() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new Acl("g", List.of(rule(20, true, 2), rule(20, false, 3)), false, 1));
  }
}
