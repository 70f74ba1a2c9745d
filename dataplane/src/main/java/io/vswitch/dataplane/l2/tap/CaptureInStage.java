package io.vswitch.dataplane.l2.tap;

import io.vswitch.dataplane.l2.BurstContext;
import io.vswitch.dataplane.l2.Stage;
import io.vswitch.ffm.Mbuf;

/**
 * On the captured port's list only, before the parse: copies each received frame that passes the
 * capture's filter into this worker's ring (a runt or a bad frame too: it is what the wire
 * brought), or counts a skip when the ring is full.
 */
public final class CaptureInStage extends Stage {
  private final int worker;

  public CaptureInStage(int worker) {
    this.worker = worker;
  }

  @Override
  public void run(BurstContext ctx) {
    CaptureSession capture = ctx.tables.taps().capture;
    CaptureRing ring = capture == null ? null : capture.ring(worker);
    if (ring == null) {
      return;
    }
    CaptureFilter filter = capture.filter();
    long now = capture.now();
    for (int i = 0; i < ctx.count; i++) {
      long mbuf = ctx.batch.mbuf(i);
      long frame = Mbuf.dataAddress(mbuf);
      int readable = Mbuf.dataLength(mbuf);
      if (filter.matches(frame, readable)) {
        ring.offer(frame, readable, Mbuf.packetLength(mbuf), now, CaptureRing.IN);
      }
    }
  }
}
