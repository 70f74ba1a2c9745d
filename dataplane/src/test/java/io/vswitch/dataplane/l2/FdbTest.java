package io.vswitch.dataplane.l2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class FdbTest {
  static final long A = MacAddress.parse("02:00:00:00:00:0a");
  static final long B = MacAddress.parse("02:00:00:00:00:0b");

  @Test
  void learnedMacIsFoundInItsVlanOnly() {
    try (Fdb fdb = new Fdb(1024, 300)) {
      fdb.learn(Fdb.key(10, A), 3, 100);
      assertEquals(3, fdb.lookup(Fdb.key(10, A), 100));
      assertEquals(Fdb.MISS, fdb.lookup(Fdb.key(20, A), 100));
      assertEquals(Fdb.MISS, fdb.lookup(Fdb.key(10, B), 100));
    }
  }

  @Test
  void aMacSeenOnANewPortMovesAtOnce() {
    try (Fdb fdb = new Fdb(1024, 300)) {
      fdb.learn(Fdb.key(10, A), 1, 100);
      fdb.learn(Fdb.key(10, A), 2, 100); // same second: still moves
      assertEquals(2, fdb.lookup(Fdb.key(10, A), 100));
    }
  }

  @Test
  void entriesAgeOutUnlessSeenAgain() {
    try (Fdb fdb = new Fdb(1024, 300)) {
      fdb.learn(Fdb.key(10, A), 1, 100);
      fdb.learn(Fdb.key(10, B), 2, 100);
      fdb.learn(Fdb.key(10, B), 2, 350);
      assertEquals(1, fdb.lookup(Fdb.key(10, A), 400));
      assertEquals(Fdb.MISS, fdb.lookup(Fdb.key(10, A), 401));
      assertEquals(2, fdb.lookup(Fdb.key(10, B), 401));
      assertEquals(1, fdb.sweep(401));
      assertEquals(1, fdb.size(401));
    }
  }

  @Test
  void staticEntriesNeverAgeAndLearningDoesNotMoveThem() {
    try (Fdb fdb = new Fdb(1024, 300)) {
      fdb.addStatic(10, A, 5);
      fdb.learn(Fdb.key(10, A), 1, 100);
      assertEquals(5, fdb.lookup(Fdb.key(10, A), 1_000_000));
      assertEquals(0, fdb.sweep(1_000_000));
      assertTrue(fdb.remove(10, A));
      assertEquals(Fdb.MISS, fdb.lookup(Fdb.key(10, A), 100));
    }
  }

  @Test
  void sweptSlotsAreReusedSoChurnDoesNotFillTheTable() {
    try (Fdb fdb = new Fdb(1024, 10)) {
      long now = 1;
      for (int round = 0; round < 50; round++) {
        for (int i = 0; i < 1000; i++) {
          assertTrue(fdb.learn(Fdb.key(1, round * 1000L + i), 1, now), "round " + round);
        }
        now += 20;
        fdb.sweep(now);
      }
      assertEquals(0, fdb.size(now));
    }
  }

  @Test
  void holdsAMillionMacs() {
    try (Fdb fdb = new Fdb(1 << 20, 300)) {
      for (long mac = 0; mac < 1 << 20; mac++) {
        assertTrue(
            fdb.learn(Fdb.key(1 + (int) (mac & 7), 0x0200_0000_0000L | mac), (int) (mac % 64), 1));
      }
      for (long mac = 0; mac < 1 << 20; mac++) {
        assertEquals(
            (int) (mac % 64), fdb.lookup(Fdb.key(1 + (int) (mac & 7), 0x0200_0000_0000L | mac), 2));
      }
      assertEquals(1 << 20, fdb.size(2));
    }
  }

  @Test
  void refusesNewMacsPastItsLoadLimitInsteadOfDegrading() {
    try (Fdb fdb = new Fdb(16, 300)) {
      int learned = 0;
      for (int i = 0; i < 1000; i++) {
        learned += fdb.learn(Fdb.key(1, i), 1, 1) ? 1 : 0;
      }
      assertTrue(learned >= 16 && learned < 1000, "learned " + learned);
      assertFalse(fdb.learn(Fdb.key(1, 5000), 1, 1));
    }
  }

  @Test
  void workersLearningTheSameMacsConcurrentlyLeaveOneConsistentAnswer() throws Exception {
    try (Fdb fdb = new Fdb(1 << 16, 300)) {
      int macs = 20_000;
      CountDownLatch go = new CountDownLatch(1);
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread[] workers = new Thread[2];
      for (int w = 0; w < workers.length; w++) {
        int port = w;
        workers[w] =
            new Thread(
                () -> {
                  try {
                    go.await();
                    for (int round = 0; round < 5; round++) {
                      for (int i = 0; i < macs; i++) {
                        fdb.learn(Fdb.key(1, i), port, 1);
                      }
                    }
                  } catch (Throwable t) {
                    failure.set(t);
                  }
                });
        workers[w].start();
      }
      go.countDown();
      for (Thread t : workers) {
        t.join();
      }
      assertEquals(null, failure.get());
      assertEquals(macs, fdb.size(1), "each MAC exactly once, none lost");
      for (int i = 0; i < macs; i++) {
        int port = fdb.lookup(Fdb.key(1, i), 1);
        assertTrue(port == 0 || port == 1, "mac " + i + " -> " + port);
      }
    }
  }
}
