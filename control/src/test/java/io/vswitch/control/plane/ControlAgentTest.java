package io.vswitch.control.plane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.SwitchLauncher;
import io.vswitch.control.config.ConfigException;
import io.vswitch.control.config.ConfigLoader;
import io.vswitch.control.config.ConfigValidator;
import io.vswitch.control.config.SwitchConfig;
import io.vswitch.dataplane.l2.Fdb;
import io.vswitch.dataplane.l2.FdbClock;
import io.vswitch.dataplane.l2.MacAddress;
import io.vswitch.dataplane.testing.TestEal;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control agent: every control operation (API changes from many threads, FDB aging, ...) runs
 * on its one thread, results and exceptions go back to their callers, the queue is bounded, and the
 * FDB refuses control operations from anywhere else once bound.
 */
class ControlAgentTest {
  @TempDir Path dir;
  private final ByteArrayOutputStream log = new ByteArrayOutputStream();
  private final PrintStream logStream = new PrintStream(log, true, StandardCharsets.UTF_8);

  /**
   * 16 client threads make 10 changes each (port moves through a real ControlPlane over DPDK
   * net_null ports) while an aging duty sweeps the FDB every millisecond: every change is applied
   * and journaled, every FDB control operation ran on the agent thread, and the same change called
   * from another thread is refused before it touches anything.
   */
  @Test
  void concurrentChangesAndAgingAllRunOnTheAgent() throws Exception {
    TestEal.get();
    String yaml =
        """
        workers: {cores: [-1], idle: backoff}
        port-groups:
          - {name: v10, vlan: {mode: access, id: 10}}
          - {name: v20, vlan: {mode: access, id: 20}}
        ports:
          - {name: a, devargs: "net_null_caga,no-rx=1", port-group: v10}
          - {name: b, devargs: "net_null_cagb,no-rx=1", port-group: v10}
        fdb: {static: [{mac: "02:00:00:00:00:0b", vlan: 10, port: b}]}
        """;
    SwitchConfig config = ConfigValidator.validate(ConfigLoader.parse(yaml, "test"));
    SwitchLauncher.Running running = SwitchLauncher.open(config, dir.resolve("counters"));
    Journal journal = new Journal(dir.resolve("journal"));
    ControlAgent agent = new ControlAgent(256, logStream);
    try {
      running.runtime().start();
      ControlPlane plane = new ControlPlane(config, running.runtime(), running.l2(), journal);
      Fdb fdb = running.l2().fdb();
      fdb.bindControlThread(agent.thread());
      Set<String> threads = ConcurrentHashMap.newKeySet();
      AtomicInteger sweeps = new AtomicInteger();
      agent
          .every(
              Duration.ofMillis(1),
              "fdb aging",
              () -> {
                threads.add(Thread.currentThread().getName());
                fdb.sweep(FdbClock.nowSeconds());
                sweeps.incrementAndGet();
              })
          .start();

      int clients = 16;
      int changesEach = 10;
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      List<Future<?>> done = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        int client = c;
        done.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < changesEach; i++) {
                    String group = (client + i) % 2 == 0 ? "v20" : "v10";
                    agent.submit(
                        () -> {
                          threads.add(Thread.currentThread().getName());
                          // A static entry of its own per change: FDB writes interleave with aging.
                          long mac = MacAddress.parse("02:00:00:00:01:%02x".formatted(client));
                          fdb.addStatic(10, mac, running.runtime().port("b").index());
                          fdb.remove(10, mac);
                          SwitchConfig now = plane.running();
                          String current =
                              now.ports().stream()
                                  .filter(p -> p.name().equals("a"))
                                  .findFirst()
                                  .orElseThrow()
                                  .portGroup();
                          String next = current.equals("v10") ? "v20" : "v10";
                          return plane.apply(
                              ConfigEdits.withPortGroup(now, "a", next), "client " + client, group);
                        });
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get(120, TimeUnit.SECONDS); // rethrows any failure of a change
      }
      pool.shutdown();
      assertEquals(clients * changesEach, journal.history().size(), "every change journaled");
      assertTrue(sweeps.get() > 0, "the aging duty ran");
      assertEquals(Set.of(agent.thread().getName()), threads, "all control work on the agent");

      SwitchConfig before = plane.running();
      IllegalStateException refused =
          assertThrows(
              IllegalStateException.class,
              () -> plane.apply(ConfigEdits.withPortGroup(before, "a", "v20"), "rogue", "x"));
      assertTrue(refused.getMessage().contains("only the control agent"), refused.getMessage());
      assertEquals(before, plane.running(), "a refused change changed nothing");
      assertThrows(IllegalStateException.class, () -> fdb.sweep(FdbClock.nowSeconds()));
      assertEquals(clients * changesEach, journal.history().size());
    } finally {
      agent.close();
      running.runtime().close();
      running.close();
      journal.close();
    }
  }

  @Test
  void resultsAndExceptionsGoBackToTheCaller() {
    try (ControlAgent agent = new ControlAgent(4, logStream).start()) {
      assertEquals(42, agent.submit(() -> 42));
      ConfigException bad =
          assertThrows(
              ConfigException.class,
              () ->
                  agent.submit(
                      () -> {
                        throw new ConfigException("refused");
                      }));
      assertEquals("refused", bad.getMessage());
      CompletionException checked =
          assertThrows(
              CompletionException.class,
              () ->
                  agent.submit(
                      () -> {
                        throw new IOException("disk");
                      }));
      assertInstanceOf(IOException.class, checked.getCause());
      assertEquals(7, agent.submit(() -> agent.submit(() -> 7)), "a task may submit more");
      assertEquals(1, agent.submit(() -> 1), "the agent survives failing tasks");
    }
  }

  @Test
  void aFullQueueRefusesAtOnceAndCloseRefusesWhatIsLeft() throws Exception {
    ControlAgent agent = new ControlAgent(2, logStream).start();
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      Future<Integer> blocker =
          pool.submit(
              () ->
                  agent.submit(
                      () -> {
                        running.countDown();
                        release.await();
                        return 1;
                      }));
      assertTrue(running.await(30, TimeUnit.SECONDS));
      Future<Integer> queued1 = pool.submit(() -> agent.submit(() -> 2));
      Future<Integer> queued2 = pool.submit(() -> agent.submit(() -> 3));
      while (agent.waiting() < 2) {
        Thread.sleep(5);
      }
      RejectedExecutionException busy =
          assertThrows(RejectedExecutionException.class, () -> agent.submit(() -> 4));
      assertTrue(busy.getMessage().contains("busy"), busy.getMessage());
      assertEquals(1, agent.rejected(), "counted for vswitch_control_rejected_tasks_total");
      release.countDown();
      assertEquals(1, blocker.get(30, TimeUnit.SECONDS));
      assertEquals(2, queued1.get(30, TimeUnit.SECONDS));
      assertEquals(3, queued2.get(30, TimeUnit.SECONDS));
    } finally {
      release.countDown();
      agent.close();
      pool.shutdownNow();
    }
    assertThrows(RejectedExecutionException.class, () -> agent.submit(() -> 5));
  }

  @Test
  void aFailingDutyIsReportedAndRunsAgain() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch twice = new CountDownLatch(2);
    try (ControlAgent agent =
        new ControlAgent(4, logStream)
            .every(
                Duration.ofMillis(1),
                "broken",
                () -> {
                  runs.incrementAndGet();
                  twice.countDown();
                  throw new IllegalStateException("boom");
                })
            .start()) {
      assertTrue(twice.await(30, TimeUnit.SECONDS), "ran again after failing");
      assertEquals(5, agent.submit(() -> 5));
      // counted for vswitch_control_duty_failures_total: every run so far failed
      long failures = agent.dutyFailures().get("broken");
      assertTrue(failures >= 2 && failures <= runs.get(), failures + " of " + runs.get());
    }
    String logged = log.toString(StandardCharsets.UTF_8);
    assertTrue(logged.contains("control duty 'broken' failed"), logged);
    assertTrue(runs.get() >= 2);
  }

  /**
   * The agent runs on the housekeeping cores only; a change validated there must still see the
   * worker cores (Runtime.availableProcessors follows the calling thread's affinity).
   */
  @Test
  void aThreadConfinedToOneCoreStillValidatesWorkerCores() throws Exception {
    TestEal.get();
    org.junit.jupiter.api.Assumptions.assumeTrue(
        io.vswitch.ffm.CpuAffinity.onlineCpus() > 1, "needs two cores");
    int last = io.vswitch.ffm.CpuAffinity.onlineCpus() - 1;
    String yaml =
        """
        workers: {cores: [%d]}
        ports:
          - {name: a, devargs: "net_null_cagc,no-rx=1"}
          - {name: b, devargs: "net_null_cagd,no-rx=1"}
        """
            .formatted(last);
    ConfigValidator.validate(ConfigLoader.parse(yaml, "start")); // as at start: all cores
    java.util.concurrent.atomic.AtomicReference<Throwable> failure =
        new java.util.concurrent.atomic.AtomicReference<>();
    Thread confined =
        new Thread(
            () -> {
              try {
                io.vswitch.ffm.CpuAffinity.pin(0);
                ConfigValidator.validate(ConfigLoader.parse(yaml, "live change"));
              } catch (Throwable t) {
                failure.set(t);
              }
            });
    confined.start();
    confined.join();
    assertEquals(null, failure.get(), "core " + last + " exists on a thread confined to core 0");
  }
}
