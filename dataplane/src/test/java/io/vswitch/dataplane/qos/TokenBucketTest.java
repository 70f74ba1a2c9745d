package io.vswitch.dataplane.qos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TokenBucketTest {

  @Test
  void startsFullAndSpillsWhatDoesNotFit() {
    TokenBucket b = new TokenBucket(100);
    assertEquals(100, b.tokens());
    assertEquals(30, b.add(30), "a full bucket spills all");
    assertTrue(b.tryTake(60));
    assertEquals(10, b.add(70), "60 fit, 10 spill");
    assertEquals(100, b.tokens());
  }

  @Test
  void takesOnlyWhatItHolds() {
    TokenBucket b = new TokenBucket(100);
    assertFalse(b.tryTake(101));
    assertEquals(100, b.tokens(), "a refused take leaves the tokens");
    assertTrue(b.tryTake(100));
    assertFalse(b.holds(1));
    b.fill(3, 7); // 3 ticks at 7 byte/s-units
    assertEquals(21, b.tokens());
  }

  @Test
  void resizeKeepsTokensClampedToTheNewSize() {
    TokenBucket b = new TokenBucket(100);
    b.resize(40);
    assertEquals(40, b.tokens());
    b.resize(400);
    assertEquals(40, b.tokens(), "growing does not refill");
    assertEquals(0, b.add(360));
    assertEquals(400, b.tokens());
  }
}
