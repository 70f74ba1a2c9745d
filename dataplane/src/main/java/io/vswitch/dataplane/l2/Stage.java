package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.worker.RxQueue;

/**
 * One feature of the pipeline, run over a whole burst: it reads what earlier stages wrote in the
 * {@link BurstContext}, skips dropped packets, and writes its own decisions there (or drops). One
 * instance per worker (stages keep per-worker scratch or state, never shared), made by its {@link
 * Feature}; which stages a port's bursts go through, and in which order, is that port's compiled
 * feature list in the tables.
 *
 * <p>A stage allocates nothing and takes no locks; it sees the burst's port, tables, clock and
 * transmit set in the context, so every stage has this one signature.
 */
public abstract class Stage {

  /**
   * An abstract class rather than an interface: the agent's call of each stage is megamorphic, and
   * a vtable call costs a load and a jump where an itable call searches (the profile put the itable
   * stub at ~10 cycles/packet).
   */
  public abstract void run(BurstContext burst);

  /**
   * New tables or a new plan reached this worker (between passes): a stage with per-worker state
   * keyed by configuration (a policer per port and queue) adopts it here. Allocates only for what
   * changed.
   *
   * @param tsc the pass's TSC time, for state that starts now (full buckets)
   */
  public void adopt(L2Tables tables, RxQueue[] queues, long tsc) {}
}
