package io.vswitch.dataplane.worker;

/**
 * A unit of data-plane work polled by one worker thread (Agrona's Agent, in our words). {@link
 * #doWork()} does one pass (poll each assigned queue once) and returns how much work it did, so the
 * idle strategy can decide whether to spin or back off. Agents hold no thread of their own, so a
 * test can call doWork() directly on its own thread.
 */
public interface Agent {

  /**
   * One pass; returns the work done (packets handled), 0 when there was nothing to do.
   *
   * @param clock ticked by the caller at the top of this pass: the pass's only clock read
   */
  int doWork(PassClock clock);

  /** Called on the worker thread before the first pass (after pinning and DPDK registration). */
  default void onStart() {}

  /** Called on the worker thread after the last pass; flush and free what the agent holds. */
  default void onClose() {}

  /** Short name for thread names and logs. */
  String roleName();
}
