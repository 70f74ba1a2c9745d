package io.vswitch.dataplane.l2.tap;

import io.vswitch.dataplane.l2.BurstContext;
import io.vswitch.dataplane.l2.Stage;
import io.vswitch.ffm.Mbuf;

/**
 * Just before the transmit, on every port's list while some port's outgoing frames are captured:
 * copies each frame (as rewritten for the captured port: the original or the copy) that leaves on
 * the captured port and passes the filter into this worker's ring.
 */
public final class CaptureOutStage extends Stage {
  private final int worker;

  public CaptureOutStage(int worker) {
    this.worker = worker;
  }

  @Override
  public void run(BurstContext ctx) {
    CaptureSession capture = ctx.tables.taps().capture;
    CaptureRing ring = capture == null ? null : capture.ring(worker);
    if (ring == null) {
      return;
    }
    long mask = ctx.tables.taps().captureOutMask();
    CaptureFilter filter = capture.filter();
    long now = capture.now();
    for (int live = ctx.live(); live != 0; live &= live - 1) {
      int i = Integer.numberOfTrailingZeros(live);
      if ((ctx.out[i] & mask) != 0) {
        take(ring, filter, ctx.mbuf[i], now);
      }
      if ((ctx.copies >>> i & 1) != 0 && (ctx.copyOut[i] & mask) != 0) {
        take(ring, filter, ctx.copy[i], now);
      }
    }
  }

  private static void take(CaptureRing ring, CaptureFilter filter, long mbuf, long now) {
    long frame = Mbuf.dataAddress(mbuf);
    int readable = Mbuf.dataLength(mbuf);
    if (filter.matches(frame, readable)) {
      ring.offer(frame, readable, Mbuf.packetLength(mbuf), now, CaptureRing.OUT);
    }
  }
}
