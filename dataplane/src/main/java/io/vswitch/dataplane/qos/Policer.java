package io.vswitch.dataplane.qos;

/**
 * The token buckets of one ingress policer instance, colour-blind. Single writer (one worker, one
 * receive queue): no locks, no atomics, no allocation.
 *
 * <p>Two {@link TokenBucket}s in byte-ticks on the TSC. Buckets are at most {@link
 * PolicerSpec#MAX_BURST} bytes, so a full bucket (512 MiB at a 4 GHz TSC: 2.1e18, two of them
 * 4.3e18) fits a long (9.2e18); elapsed time is capped at the time to fill every bucket, so the
 * product never overflows.
 */
public final class Policer {
  public static final int GREEN = 0;
  public static final int YELLOW = 1;
  public static final int RED = 2;

  private final PolicerSpec spec;
  private final long hz;
  private final long maxElapsed;
  private final TokenBucket bucket1;
  private final TokenBucket bucket2;
  private long last;

  /** A policer whose buckets start full at TSC time {@code now} (RFC 2697 section 3). */
  public Policer(PolicerSpec spec, long hz, long now) {
    this.spec = spec;
    this.hz = hz;
    this.bucket1 = new TokenBucket(spec.burst1() * hz);
    this.bucket2 = new TokenBucket(spec.burst2() * hz);
    long slowest =
        spec.type() == PolicerSpec.Type.SRTCM ? spec.rate1() : Math.min(spec.rate1(), spec.rate2());
    this.maxElapsed = (bucket1.capacity() + bucket2.capacity()) / slowest + 1;
    this.last = now;
  }

  public PolicerSpec spec() {
    return spec;
  }

  /** Brings the buckets to TSC time {@code now}; call once per burst before {@link #color}. */
  public void refill(long now) {
    long elapsed = Math.min(now - last, maxElapsed);
    if (elapsed <= 0) {
      return;
    }
    last = now;
    switch (spec.type()) {
      // RFC 2697 3.1: C fills at CIR; once C is full, the tokens go to E.
      case SRTCM -> bucket2.add(bucket1.add(elapsed * spec.rate1()));
      case TRTCM, TRTCM_4115 -> {
        // RFC 2698 3.1 (P at PIR, C at CIR) and RFC 4115 (C at CIR, E at EIR): independent.
        bucket1.fill(elapsed, spec.rate1());
        bucket2.fill(elapsed, spec.rate2());
      }
    }
  }

  /** Colours a packet of {@code length} bytes and takes its tokens. */
  public int color(int length) {
    long cost = length * hz;
    return switch (spec.type()) {
      case SRTCM, TRTCM_4115 -> {
        // RFC 2697 3.3 and RFC 4115 section 3, colour-blind, decide alike: the committed bucket
        // (C) first, then the excess one (E); only their refills differ.
        if (bucket1.tryTake(cost)) {
          yield GREEN;
        }
        yield bucket2.tryTake(cost) ? YELLOW : RED;
      }
      case TRTCM -> {
        // RFC 2698 3.3: bucket1 = C (CIR), bucket2 = P (PIR).
        if (!bucket2.holds(cost)) {
          yield RED;
        }
        bucket2.take(cost);
        yield bucket1.tryTake(cost) ? GREEN : YELLOW;
      }
    };
  }
}
