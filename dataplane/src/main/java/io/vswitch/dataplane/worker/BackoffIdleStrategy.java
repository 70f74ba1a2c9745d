package io.vswitch.dataplane.worker;

import java.util.concurrent.locks.LockSupport;

/**
 * Spins, then yields, then parks for exponentially longer up to a cap: near busy-spin latency under
 * load and almost no CPU when the ports are quiet (laptops, shared cores). The first idle pass
 * after work starts again from spinning.
 */
public final class BackoffIdleStrategy implements IdleStrategy {
  private final int maxSpins;
  private final int maxYields;
  private final long minParkNanos;
  private final long maxParkNanos;

  private int spins;
  private int yields;
  private long parkNanos;

  public BackoffIdleStrategy() {
    this(100, 10, 1_000, 1_000_000);
  }

  public BackoffIdleStrategy(int maxSpins, int maxYields, long minParkNanos, long maxParkNanos) {
    this.maxSpins = maxSpins;
    this.maxYields = maxYields;
    this.minParkNanos = minParkNanos;
    this.maxParkNanos = maxParkNanos;
    reset();
  }

  @Override
  public void idle(int workCount) {
    if (workCount > 0) {
      reset();
    } else if (spins < maxSpins) {
      spins++;
      Thread.onSpinWait();
    } else if (yields < maxYields) {
      yields++;
      Thread.yield();
    } else {
      LockSupport.parkNanos(parkNanos);
      parkNanos = Math.min(parkNanos * 2, maxParkNanos);
    }
  }

  /** Current park time; for tests. */
  long parkNanos() {
    return parkNanos;
  }

  private void reset() {
    spins = 0;
    yields = 0;
    parkNanos = minParkNanos;
  }

  @Override
  public boolean maySleep() {
    return true;
  }

  @Override
  public String name() {
    return "backoff";
  }
}
