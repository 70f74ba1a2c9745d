package io.vswitch.dataplane.xconnect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.dataplane.AgentFactory;
import io.vswitch.dataplane.RuntimeSpec;
import io.vswitch.dataplane.SwitchRuntime;
import io.vswitch.dataplane.port.PortSpec;
import io.vswitch.dataplane.stats.PortCounter;
import io.vswitch.dataplane.testing.Await;
import io.vswitch.dataplane.testing.TestEal;
import io.vswitch.dataplane.testing.WorkerAllocation;
import io.vswitch.dataplane.worker.WorkerThread;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cross-connect on real DPDK devices (net_null: an endless source and a sink). */
class CrossConnectTest {
  @TempDir Path dir;

  @BeforeAll
  static void eal() {
    TestEal.get();
  }

  private SwitchRuntime open(String name, List<Integer> cores, int queuesA) {
    RuntimeSpec spec =
        new RuntimeSpec(
            List.of(
                new PortSpec("a", "net_null_" + name + "a,size=64", queuesA, 512, 512),
                new PortSpec("b", "net_null_" + name + "b,size=64", 1, 512, 512)),
            cores,
            "busy-spin",
            dir.resolve("counters"),
            0);
    return SwitchRuntime.open(spec, CrossConnectTest::crossConnect);
  }

  static CrossConnectAgent crossConnect(AgentFactory.WorkerContext w) {
    return new CrossConnectAgent(
        w.worker(), w.queues(), List.of(w.ports().get(1), w.ports().get(0)), w.counters());
  }

  private static long forwarded(SwitchRuntime runtime) {
    return runtime.counters().sum(0, PortCounter.RX_PACKETS);
  }

  @Test
  void workerAllocatesNothingPerPacketInSteadyState() {
    try (SwitchRuntime runtime = open("alloc", List.of(TestEal.workerCore()), 1)) {
      runtime.start();
      WorkerAllocation.assertAllocationFree(runtime, () -> forwarded(runtime), 2_000_000);
    }
  }

  @Test
  void everyMbufIsBackInThePoolAfterStop() {
    try (SwitchRuntime runtime = open("leak", List.of(WorkerThread.ANY_CORE), 1)) {
      assertEquals(0, runtime.pool().inUse());
      runtime.start();
      Await.until("traffic", Duration.ofSeconds(30), () -> forwarded(runtime) > 100_000);
      runtime.stop();
      assertEquals(0, runtime.pool().inUse(), "mbufs still out of the pool after stop");
      long rxA = runtime.counters().sum(0, PortCounter.RX_PACKETS);
      long txB = runtime.counters().sum(1, PortCounter.TX_PACKETS);
      assertEquals(rxA, txB + runtime.counters().drops(1), "every packet sent or dropped");
    }
  }

  @Test
  void rssQueuesAreSpreadOverTwoWorkers() {
    try (SwitchRuntime runtime =
        open("rss", List.of(WorkerThread.ANY_CORE, WorkerThread.ANY_CORE), 2)) {
      runtime.start();
      Await.until(
          "both workers forwarding",
          Duration.ofSeconds(30),
          () -> runtime.workers().stream().allMatch(w -> w.busyRatio() > 0));
      runtime.stop();
      assertEquals(0, runtime.pool().inUse());
      assertTrue(runtime.counters().sum(1, PortCounter.TX_PACKETS) > 0);
      assertTrue(runtime.counters().sum(0, PortCounter.TX_PACKETS) > 0);
    }
  }
}
