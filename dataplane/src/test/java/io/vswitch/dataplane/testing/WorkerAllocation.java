package io.vswitch.dataplane.testing;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.dataplane.SwitchRuntime;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The zero-allocation check shared by the data-plane tests: after a warm-up (so the JIT has
 * compiled the loop), the first worker thread's allocated bytes over at least 1M more packets.
 */
public final class WorkerAllocation {
  /** One 16-byte object per 32-packet burst would already be > 500 KB over 1M packets. */
  static final long LIMIT_BYTES = 16 * 1024;

  private WorkerAllocation() {}

  /**
   * Runs {@code runtime} (started) until {@code warmUp} packets, then asserts the worker allocates
   * under {@link #LIMIT_BYTES} over the next million, counted by {@code packets}.
   */
  public static void assertAllocationFree(
      SwitchRuntime runtime, LongSupplier packets, long warmUp) {
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long worker = runtime.workers().getFirst().thread().threadId();
    Await.until("warm-up", Duration.ofSeconds(120), () -> packets.getAsLong() > warmUp);
    long bytesBefore = threads.getThreadAllocatedBytes(worker);
    long packetsBefore = packets.getAsLong();
    Await.until(
        "1M more packets",
        Duration.ofSeconds(120),
        () -> packets.getAsLong() > packetsBefore + 1_000_000);
    long bytes = threads.getThreadAllocatedBytes(worker) - bytesBefore;
    long counted = packets.getAsLong() - packetsBefore;
    assertNull(runtime.workerFailure());
    assertTrue(
        bytes < LIMIT_BYTES, "worker allocated " + bytes + " bytes for " + counted + " packets");
  }
}
