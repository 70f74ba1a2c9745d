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

  /**
   * A burst's verdicts counted at once (runs of one slot added together) count what one decide per
   * packet counts, on the worker's own stripe, and refuse the same packets; packets outside the
   * mask are neither counted nor refused.
   */
  @Test
  void aBurstsVerdictsAreCountedAsOneDecideAPacketCountsThem() {
    List<AclRule> rules = List.of(rule(10, false, 1), rule(20, true, 2), rule(30, false, 3));
    java.util.SplittableRandom random = new java.util.SplittableRandom(3);
    Acl burst = new Acl("b", rules, true, 2);
    Acl single = new Acl("s", rules, true, 2);
    int[] results = new int[32];
    for (int round = 0; round < 500; round++) {
      int r = random.nextInt(4) - 1;
      for (int i = 0; i < 32; i++) {
        if (random.nextInt(5) == 0) {
          r = random.nextInt(4) - 1; // runs of one verdict, broken now and then
        }
        results[i] = r;
      }
      int packets = random.nextInt(3) == 0 ? -1 : random.nextInt();
      int worker = random.nextInt(2);
      int refused = burst.refused(worker, results, packets);
      int expected = 0;
      for (int i = 0; i < 32; i++) {
        if ((packets & 1 << i) != 0 && !single.decide(worker, results[i])) {
          expected |= 1 << i;
        }
      }
      assertEquals(expected, refused, "round " + round);
    }
    for (int slot = 0; slot <= rules.size(); slot++) {
      assertEquals(single.hits(slot), burst.hits(slot), "slot " + slot);
    }
    assertEquals(single.hitsOfPriority(10), burst.hitsOfPriority(10));
  }

  @Test
  void onePriorityWithTwoActionsIsRefused() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new Acl("g", List.of(rule(20, true, 2), rule(20, false, 3)), false, 1));
  }
}
