package io.vswitch.perf.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A fake /proc tree: the threads' names, run times and allowed CPUs are what a test says. */
class ThreadCpuTest {
  @TempDir Path proc;

  private void task(int tid, String comm, long runNanos, String cpus) throws IOException {
    Path t = Files.createDirectories(proc.resolve("42/task/" + tid));
    Files.writeString(t.resolve("comm"), comm + "\n");
    Files.writeString(t.resolve("schedstat"), runNanos + " 12345 67\n");
    Files.writeString(
        t.resolve("status"), "Name:\t" + comm + "\nCpus_allowed_list:\t" + cpus + "\nX:\t1\n");
  }

  @Test
  void sumsTheMatchingThreadsOnly() throws IOException {
    task(42, "java", 9_000_000_000L, "0");
    task(43, "vswitch-worker0", 2_000_000_000L, "1");
    task(44, "vswitch-worker1", 1_000_000_000L, "0");
    ThreadCpu.Sample s = ThreadCpu.sample(proc, 42, ThreadCpu.VSWITCH_WORKERS, 0);
    assertEquals(2, s.threads());
    assertEquals(3_000_000_000L, s.cpuNanos());
  }

  @Test
  void testpmdForwardingLcoreIsTheWorkerThread() throws IOException {
    task(42, "dpdk-testpmd", 5, "0");
    task(43, "eal-intr-thread", 7, "0");
    task(44, "rte-worker-1", 11, "1");
    ThreadCpu.Sample s = ThreadCpu.sample(proc, 42, ThreadCpu.DPDK_LCORES, 0);
    assertEquals(1, s.threads());
    assertEquals(11, s.cpuNanos());
  }

  @Test
  void coresAreCpuTimeOverWallTime() {
    ThreadCpu.Sample a = new ThreadCpu.Sample(1_000_000_000L, 5_000_000_000L, 2);
    ThreadCpu.Sample b = new ThreadCpu.Sample(3_000_000_000L, 8_600_000_000L, 2);
    assertEquals(1.8, b.coresSince(a), 1e-9, "two workers, 1.8 cores over 2 s");
    assertTrue(Double.isNaN(b.coresSince(new ThreadCpu.Sample(0, 0, 1))), "a thread came or went");
    assertTrue(Double.isNaN(b.coresSince(null)));
    assertTrue(
        Double.isNaN(new ThreadCpu.Sample(5, 0, 0).coresSince(new ThreadCpu.Sample(1, 0, 0))));
  }

  @Test
  void missingProcessGivesNoThreads() {
    assertEquals(0, ThreadCpu.sample(proc, 7, n -> true, 0).threads());
  }

  @Test
  void ovsPinningIsCheckedPerThread() throws IOException {
    task(42, "ovs-vswitchd-dp", 1, "0");
    task(43, "handler6", 1, "0");
    task(44, "pmd-c01/id:8", 1, "1");
    assertNull(ThreadAffinity.problem(proc, 42, 0, 1));
    task(45, "revalidator7", 1, "0-1");
    assertEquals("revalidator7/45 on cpus 0-1", ThreadAffinity.problem(proc, 42, 0, 1));
  }

  @Test
  void ovsWithoutPmdIsAProblem() throws IOException {
    task(42, "ovs-vswitchd-dp", 1, "0");
    assertEquals("no PMD thread", ThreadAffinity.problem(proc, 42, 0, 1));
  }
}
