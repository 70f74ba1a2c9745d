package io.vswitch.dataplane.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class BackoffIdleStrategyTest {

  @Test
  void parkTimeDoublesUpToTheCapAndResetsOnWork() {
    BackoffIdleStrategy idle = new BackoffIdleStrategy(2, 1, 1_000, 4_000);
    for (int i = 0; i < 3; i++) {
      idle.idle(0); // 2 spins, 1 yield
    }
    assertEquals(1_000, idle.parkNanos());
    idle.idle(0);
    assertEquals(2_000, idle.parkNanos());
    idle.idle(0);
    idle.idle(0);
    assertEquals(4_000, idle.parkNanos());
    idle.idle(5);
    assertEquals(1_000, idle.parkNanos());
  }

  @Test
  void configNamesParse() {
    assertInstanceOf(BusySpinIdleStrategy.class, IdleStrategy.parse("busy-spin"));
    assertInstanceOf(BackoffIdleStrategy.class, IdleStrategy.parse("backoff"));
    assertThrows(IllegalArgumentException.class, () -> IdleStrategy.parse("sleepy"));
  }
}
