package io.vswitch.dataplane.qos;

/**
 * An ingress policer as configured (immutable; {@code equals} decides whether a republish keeps the
 * bucket state). Rates in bytes per second, bursts in bytes.
 *
 * @param type which three-colour marker
 * @param rate1 CIR
 * @param burst1 CBS
 * @param rate2 srTCM: unused (0); trTCM RFC 2698: PIR; RFC 4115: EIR
 * @param burst2 srTCM: EBS; RFC 2698: PBS; RFC 4115: EBS
 * @param dropRed red packets are dropped (true) or remarked to {@code redDscp} and passed
 * @param redDscp the DSCP a red packet is remarked to when not dropped
 */
public record PolicerSpec(
    Type type, long rate1, long burst1, long rate2, long burst2, boolean dropRed, int redDscp) {

  /** Largest bucket: bytes times TSC ticks per second must fit a long (see {@link Policer}). */
  public static final long MAX_BURST = 512L << 20;

  public enum Type {
    /** Single-rate three-colour marker, RFC 2697: C fills at CIR, its overflow fills E. */
    SRTCM,
    /** Two-rate three-colour marker, RFC 2698: P at PIR, C at CIR; red when over P. */
    TRTCM,
    /** Two-rate three-colour marker, RFC 4115: C at CIR, E at EIR, independent buckets. */
    TRTCM_4115
  }

  public PolicerSpec {
    if (rate1 <= 0 || (type != Type.SRTCM && rate2 <= 0)) {
      throw new IllegalArgumentException("policer rates must be positive");
    }
    if (burst1 <= 0 || burst1 > MAX_BURST || burst2 < 0 || burst2 > MAX_BURST) {
      throw new IllegalArgumentException("policer bursts must be in 1.." + MAX_BURST);
    }
  }

  /** This spec with rates and bursts divided among {@code shares} independent instances. */
  public PolicerSpec share(int shares) {
    if (shares <= 1) {
      return this;
    }
    return new PolicerSpec(
        type,
        Math.max(1, rate1 / shares),
        Math.max(1, burst1 / shares),
        type == Type.SRTCM ? rate2 : Math.max(1, rate2 / shares),
        burst2 / shares,
        dropRed,
        redDscp);
  }
}
