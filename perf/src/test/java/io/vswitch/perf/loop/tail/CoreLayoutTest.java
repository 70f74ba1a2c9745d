package io.vswitch.perf.loop.tail;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CoreLayoutTest {
  @Test
  void onTwoCoresTheGeneratorSharesTheMainCoreAndSaysWhy() {
    CoreLayout l = new CoreLayout(0, 1, 0, 2);
    assertTrue(l.generatorShares());
    String d = l.describe();
    assertTrue(
        d.contains("generator 0; switch worker 1; switch main thread + JVM housekeeping"), d);
    assertTrue(d.contains("SHARES core 0 with the switch's main thread"), d);
    assertTrue(d.contains("no third core"), d);
  }

  @Test
  void onTheWorkersCoreItSharesWithTheWorker() {
    CoreLayout l = new CoreLayout(1, 1, 0, 2);
    assertTrue(l.generatorShares());
    assertTrue(l.describe().contains("SHARES core 1 with the switch's busy-polling worker"));
  }

  @Test
  void aThirdCoreIsTheGeneratorsOwn() {
    CoreLayout l = new CoreLayout(2, 1, 0, 4);
    assertFalse(l.generatorShares());
    assertTrue(l.describe().contains("core 2 to itself"), l.describe());
  }
}
