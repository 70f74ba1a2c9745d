package io.vswitch.dataplane.flow;

/**
 * The flow caches of a switch's workers, one each, made at start when the config has an {@code
 * ipfix} section: each worker accounts and expires its own, and the exporter on the control thread
 * drains their rings. Settings changes reach every cache through {@link #configure}.
 */
public final class FlowExport {
  /** Records a worker's ring holds between two drains of the exporter (every 100 ms). */
  public static final int RING_CAPACITY = 1 << 14;

  private final FlowCache[] caches;

  /**
   * @param workers the switch's workers
   * @param capacity flows per worker (a power of two)
   */
  public FlowExport(int workers, int capacity, FlowSettings settings) {
    caches = new FlowCache[workers];
    for (int w = 0; w < workers; w++) {
      caches[w] = new FlowCache(capacity, RING_CAPACITY, settings);
    }
  }

  /** Worker {@code w}'s cache, or null for a worker beyond those made (none has flows then). */
  public FlowCache cache(int w) {
    return w < caches.length ? caches[w] : null;
  }

  public int workers() {
    return caches.length;
  }

  public void configure(FlowSettings settings) {
    for (FlowCache c : caches) {
      c.configure(settings);
    }
  }

  public FlowSettings settings() {
    return caches.length == 0 ? null : caches[0].settings();
  }
}
