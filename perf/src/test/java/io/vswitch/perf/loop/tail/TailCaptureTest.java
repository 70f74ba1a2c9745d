package io.vswitch.perf.loop.tail;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TailCaptureTest {
  @Test
  void keepsOnlyFramesAndGapsAtLeastTheirThresholds() {
    TailCapture c = new TailCapture(2, 4);
    c.reset(100, 50);
    c.sample(0, 99);
    c.sample(0, 100);
    c.sample(10, 500);
    c.sample(20, 900); // log full: counted, not kept
    c.pass(0, 49);
    c.pass(49, 120);
    assertEquals(2, c.samples().size());
    assertEquals(100, c.samples().end(0));
    assertEquals(10, c.samples().start(1));
    assertEquals(1, c.samples().dropped());
    assertEquals(1, c.gaps().size());
    assertEquals(49, c.gaps().start(0));
    c.reset(1, 1);
    assertEquals(0, c.samples().size());
    assertEquals(0, c.samples().dropped());
  }
}
