package io.vswitch.dataplane.worker;

/**
 * Never gives the core away: lowest latency, 100% CPU. For cores dedicated to the data plane, as
 * DPDK's own poll loops do. Thread.onSpinWait emits PAUSE, which is kinder to a hyperthread
 * sibling.
 */
public final class BusySpinIdleStrategy implements IdleStrategy {
  @Override
  public void idle(int workCount) {
    if (workCount == 0) {
      Thread.onSpinWait();
    }
  }

  @Override
  public String name() {
    return "busy-spin";
  }
}
