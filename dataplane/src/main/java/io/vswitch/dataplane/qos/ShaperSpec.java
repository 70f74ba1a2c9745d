package io.vswitch.dataplane.qos;

/**
 * Egress traffic shaping as vSphere configures it: average bandwidth, peak bandwidth and burst
 * size, plus the bound of the queue that holds the excess. Rates in bytes per second.
 *
 * @param average the long-term rate (bytes/s)
 * @param peak the most the port sends while it spends its burst allowance (bytes/s, >= average)
 * @param burst bytes that may go above the average rate (at up to peak) after a quiet period
 * @param queue packets held per port per worker before excess is dropped (a power of two)
 */
public record ShaperSpec(long average, long peak, long burst, int queue) {
  public ShaperSpec {
    if (average <= 0 || peak < average) {
      throw new IllegalArgumentException("shaper: average must be positive and peak >= average");
    }
    if (burst <= 0 || burst > PolicerSpec.MAX_BURST) {
      throw new IllegalArgumentException("shaper: burst must be in 1.." + PolicerSpec.MAX_BURST);
    }
    if (queue <= 0 || (queue & (queue - 1)) != 0) {
      throw new IllegalArgumentException("shaper: queue must be a power of two");
    }
  }

  /** This spec with its rates and burst divided among {@code shares} workers. */
  public ShaperSpec share(int shares) {
    if (shares <= 1) {
      return this;
    }
    return new ShaperSpec(
        Math.max(1, average / shares),
        Math.max(1, peak / shares),
        Math.max(1, burst / shares),
        queue);
  }
}
