package io.vswitch.dataplane.qos;

/**
 * One token bucket, the mechanism under both the policer and the shaper. Tokens are byte-ticks
 * (bytes times the TSC frequency), so a refill is {@code elapsed ticks * rate in bytes/s} and a
 * packet costs {@code length * hz}: integers, exact, and no division on the fast path. The owner
 * caps the elapsed time it passes in (at the time to fill its buckets), so no product overflows.
 *
 * <p>Single writer, no atomics: one worker owns each bucket.
 */
public final class TokenBucket {
  private long capacity;
  private long tokens;

  /** A full bucket of {@code capacity} byte-ticks. */
  public TokenBucket(long capacity) {
    this.capacity = capacity;
    this.tokens = capacity;
  }

  /**
   * Adds {@code amount} byte-ticks; returns what spilled over the top (RFC 2697 passes a full
   * committed bucket's overflow to the excess bucket).
   */
  public long add(long amount) {
    long filled = tokens + amount;
    if (filled > capacity) {
      tokens = capacity;
      return filled - capacity;
    }
    tokens = filled;
    return 0;
  }

  /** Adds what {@code elapsed} ticks at {@code bytesPerSecond} give, up to the capacity. */
  public void fill(long elapsed, long bytesPerSecond) {
    add(elapsed * bytesPerSecond);
  }

  public boolean holds(long cost) {
    return tokens >= cost;
  }

  /** Takes {@code cost}; the caller checked {@link #holds}. */
  public void take(long cost) {
    tokens -= cost;
  }

  /** Takes {@code cost} if the bucket holds it. */
  public boolean tryTake(long cost) {
    if (tokens < cost) {
      return false;
    }
    tokens -= cost;
    return true;
  }

  public long capacity() {
    return capacity;
  }

  public long tokens() {
    return tokens;
  }

  /** A new size (a changed rate or burst); tokens are kept, clamped to it. */
  public void resize(long next) {
    capacity = next;
    tokens = Math.min(tokens, next);
  }
}
