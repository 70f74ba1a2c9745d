package io.vswitch.perf.loop.tail;

/**
 * What the generator keeps during one trial besides its histogram: every frame slower than {@code
 * sampleTicks} (send stamp and receive TSC), and every gap of at least {@code gapTicks} between two
 * passes of its own loop (while it did not look, received frames waited in its ring and their
 * latency grew: the generator's share of the tail). All TSC ticks.
 */
public final class TailCapture {
  private final IntervalLog samples;
  private final IntervalLog gaps;
  private long sampleTicks;
  private long gapTicks;

  public TailCapture(int sampleCapacity, int gapCapacity) {
    samples = new IntervalLog(sampleCapacity);
    gaps = new IntervalLog(gapCapacity);
  }

  /** Clears both logs and sets the thresholds for the next trial. */
  public void reset(long sampleTicks, long gapTicks) {
    samples.clear();
    gaps.clear();
    this.sampleTicks = sampleTicks;
    this.gapTicks = gapTicks;
  }

  public void sample(long sentTsc, long receivedTsc) {
    if (receivedTsc - sentTsc >= sampleTicks) {
      samples.record(sentTsc, receivedTsc);
    }
  }

  public void pass(long previousTsc, long nowTsc) {
    if (nowTsc - previousTsc >= gapTicks) {
      gaps.record(previousTsc, nowTsc);
    }
  }

  public IntervalLog samples() {
    return samples;
  }

  public IntervalLog gaps() {
    return gaps;
  }
}
