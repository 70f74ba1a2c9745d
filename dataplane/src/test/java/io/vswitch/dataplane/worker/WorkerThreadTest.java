package io.vswitch.dataplane.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.dataplane.testing.Await;
import io.vswitch.dataplane.testing.TestEal;
import io.vswitch.ffm.CpuAffinity;
import io.vswitch.ffm.Eal;
import java.time.Duration;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class WorkerThreadTest {

  @BeforeAll
  static void eal() {
    TestEal.get();
  }

  /** Records what the worker thread saw of itself. */
  static class ProbeAgent implements Agent {
    final AtomicReference<BitSet> cpus = new AtomicReference<>();
    final AtomicInteger lcore = new AtomicInteger(-2);
    final AtomicInteger passes = new AtomicInteger();
    volatile boolean closed;

    @Override
    public void onStart() {
      cpus.set(CpuAffinity.current());
      lcore.set(Eal.lcoreId());
    }

    @Override
    public int doWork() {
      return passes.incrementAndGet() % 2;
    }

    @Override
    public void onClose() {
      closed = true;
    }

    @Override
    public String roleName() {
      return "probe";
    }
  }

  @Test
  void workerIsPinnedRegisteredAndStopsCleanly() {
    ProbeAgent agent = new ProbeAgent();
    int core = TestEal.workerCore();
    WorkerThread worker = new WorkerThread("t", agent, new BusySpinIdleStrategy(), core, true);
    worker.start();
    Await.until("a few passes", Duration.ofSeconds(10), () -> agent.passes.get() > 1000);
    worker.stop(Duration.ofSeconds(5));

    if (core != WorkerThread.ANY_CORE) {
      BitSet expected = new BitSet();
      expected.set(core);
      assertEquals(expected, agent.cpus.get());
    }
    assertTrue(agent.lcore.get() >= 0, "registered with DPDK: lcore " + agent.lcore.get());
    assertEquals(agent.lcore.get(), worker.lcoreId());
    assertTrue(agent.closed, "onClose ran");
    assertFalse(worker.isRunning());
    assertTrue(worker.busyRatio() > 0.3 && worker.busyRatio() < 0.7, "" + worker.busyRatio());
  }

  @Test
  void failureInTheLoopIsKeptAndStillCloses() {
    ProbeAgent agent =
        new ProbeAgent() {
          @Override
          public int doWork() {
            throw new IllegalStateException("boom");
          }
        };
    WorkerThread worker =
        new WorkerThread("t", agent, new BackoffIdleStrategy(), WorkerThread.ANY_CORE, false);
    worker.start();
    Await.until("the worker to die", Duration.ofSeconds(5), () -> !worker.isRunning());
    worker.stop(Duration.ofSeconds(5));
    assertNotNull(worker.failure());
    assertEquals("boom", worker.failure().getMessage());
    assertTrue(agent.closed);
  }

  @Test
  void pinningToACoreThatDoesNotExistFailsAtStart() {
    WorkerThread worker =
        new WorkerThread("t", new ProbeAgent(), new BusySpinIdleStrategy(), 1000, false);
    IllegalStateException e = assertThrows(IllegalStateException.class, worker::start);
    assertTrue(e.getMessage().contains("sched_setaffinity"), e.getMessage());
  }
}
