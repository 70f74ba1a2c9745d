package io.vswitch.dataplane.qos;

/**
 * The token buckets of one ingress policer instance, colour-blind. Single writer (one worker, one
 * receive queue): no locks, no atomics, no allocation.
 *
 * <p>Integer arithmetic on the TSC: tokens are counted in byte-ticks (bytes times the TSC
 * frequency), so refilling is {@code elapsed ticks * rate in bytes/s} and a packet costs {@code
 * length * hz}, both exact with no division on the fast path. Buckets are at most {@link
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
  private final long cap1;
  private final long cap2;
  private final long maxElapsed;
  private long tokens1;
  private long tokens2;
  private long last;

  /** A policer whose buckets start full at TSC time {@code now} (RFC 2697 section 3). */
  public Policer(PolicerSpec spec, long hz, long now) {
    this.spec = spec;
    this.hz = hz;
    this.cap1 = spec.burst1() * hz;
    this.cap2 = spec.burst2() * hz;
    long slowest =
        spec.type() == PolicerSpec.Type.SRTCM ? spec.rate1() : Math.min(spec.rate1(), spec.rate2());
    this.maxElapsed = (cap1 + cap2) / slowest + 1;
    this.tokens1 = cap1;
    this.tokens2 = cap2;
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
      case SRTCM -> {
        // RFC 2697 3.1: C fills at CIR; once C is full, the tokens go to E.
        long c = tokens1 + elapsed * spec.rate1();
        if (c > cap1) {
          tokens2 = Math.min(cap2, tokens2 + (c - cap1));
          c = cap1;
        }
        tokens1 = c;
      }
      case TRTCM, TRTCM_4115 -> {
        // RFC 2698 3.1 (P at PIR, C at CIR) and RFC 4115 (C at CIR, E at EIR): independent.
        tokens1 = Math.min(cap1, tokens1 + elapsed * spec.rate1());
        tokens2 = Math.min(cap2, tokens2 + elapsed * spec.rate2());
      }
    }
  }

  /** Colours a packet of {@code length} bytes and takes its tokens. */
  public int color(int length) {
    long cost = length * hz;
    return switch (spec.type()) {
      case SRTCM, TRTCM_4115 -> {
        // RFC 2697 3.3 and RFC 4115 section 3, colour-blind, decide alike: the committed bucket
        // (tokens1 = C) first, then the excess one (tokens2 = E); only their refills differ.
        if (tokens1 >= cost) {
          tokens1 -= cost;
          yield GREEN;
        } else if (tokens2 >= cost) {
          tokens2 -= cost;
          yield YELLOW;
        }
        yield RED;
      }
      case TRTCM -> {
        // RFC 2698 3.3: tokens1 = C (CIR), tokens2 = P (PIR).
        if (tokens2 < cost) {
          yield RED;
        } else if (tokens1 < cost) {
          tokens2 -= cost;
          yield YELLOW;
        }
        tokens2 -= cost;
        tokens1 -= cost;
        yield GREEN;
      }
    };
  }
}
