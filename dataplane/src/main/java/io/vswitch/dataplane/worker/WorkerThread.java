package io.vswitch.dataplane.worker;

import io.vswitch.ffm.CpuAffinity;
import io.vswitch.ffm.Eal;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A platform thread that runs one {@link Agent} in a poll loop on one core.
 *
 * <p>Start-up order matters: pin first (sched_setaffinity), then register with DPDK, because
 * rte_thread_register records the thread's CPU set and gives it an lcore id, and with that a
 * mempool per-core cache. Stop is cooperative: the loop checks a volatile flag once per pass (a
 * plain load on x86), the agent's onClose runs on the worker thread, and stop() waits for it.
 */
public final class WorkerThread {
  /** Core value meaning "do not pin" (tests on a shared machine, the laptop fallback). */
  public static final int ANY_CORE = -1;

  private final Agent agent;
  private final IdleStrategy idle;
  private final int core;
  private final boolean registerWithDpdk;
  private final Thread thread;
  private final CountDownLatch started = new CountDownLatch(1);

  private volatile boolean running = true;
  private volatile Throwable failure;
  private volatile Throwable startFailure;
  private volatile int lcoreId = -1;
  private volatile int kernelThreadId;
  // Written by the worker only; read racily by monitoring.
  private volatile long busyPasses;
  private volatile long idlePasses;
  private final StallHistogram stalls = new StallHistogram();

  public WorkerThread(
      String name, Agent agent, IdleStrategy idle, int core, boolean registerWithDpdk) {
    this.agent = agent;
    this.idle = idle;
    this.core = core;
    this.registerWithDpdk = registerWithDpdk;
    this.thread = new Thread(this::run, name + "-" + agent.roleName());
    this.thread.setDaemon(true);
  }

  /** Starts the thread and waits until it is pinned, registered and about to poll. */
  public void start() {
    thread.start();
    try {
      if (!started.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException(thread.getName() + " did not start in 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting " + thread.getName(), e);
    }
    Throwable f = startFailure;
    if (f != null) {
      throw new IllegalStateException(thread.getName() + " failed to start: " + f.getMessage(), f);
    }
  }

  private void run() {
    boolean registered = false;
    try {
      if (core != ANY_CORE) {
        CpuAffinity.pin(core);
      }
      kernelThreadId = CpuAffinity.threadId();
      if (registerWithDpdk) {
        lcoreId = Eal.registerThread();
        registered = true;
      }
      agent.onStart();
    } catch (Throwable t) {
      // Kept apart from loop failures: the loop may fail right after start() returned.
      startFailure = t;
      failure = t;
      running = false;
    }
    started.countDown();
    try {
      if (running) {
        poll();
      }
    } finally {
      finish(registered);
    }
  }

  /**
   * The poll loop. Once per pass it reads the clock (the pass's only read: the agent gets it) and
   * records the gap since the previous pass began in {@link #stalls()}; when the idle strategy may
   * sleep (backoff), an idle pass reads the clock again after it, so the intentional sleep is not
   * counted (a pause that overlaps such a sleep is not seen either). With busy-spin that second
   * read never happens.
   */
  private void poll() {
    long busy = 0;
    long quiet = 0;
    boolean idleSleeps = idle.maySleep();
    try {
      PassClock clock = PassClock.tsc();
      long last = clock.tick();
      while (running) {
        long now = clock.tick();
        stalls.record(clock.nanos(now - last));
        int work = agent.doWork(clock);
        if (work > 0) {
          busy++;
        } else {
          quiet++;
        }
        if (((busy + quiet) & 0xFFFF) == 0) {
          busyPasses = busy;
          idlePasses = quiet;
        }
        idle.idle(work);
        last = work == 0 && idleSleeps ? clock.tick() : now;
      }
    } catch (Throwable t) {
      failure = t;
    }
    busyPasses = busy;
    idlePasses = quiet;
  }

  private void finish(boolean registered) {
    try {
      agent.onClose();
    } catch (Throwable t) {
      if (failure == null) {
        failure = t;
      }
    } finally {
      if (registered) {
        Eal.unregisterThread();
      }
    }
  }

  /** Asks the loop to stop and waits for the agent's onClose to finish. */
  public void stop(Duration timeout) {
    running = false;
    try {
      thread.join(timeout.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      throw new IllegalStateException(thread.getName() + " did not stop within " + timeout);
    }
  }

  public boolean isRunning() {
    return running && thread.isAlive();
  }

  /** The failure that ended the loop, or null. */
  public Throwable failure() {
    return failure;
  }

  public String name() {
    return thread.getName();
  }

  /** The Java thread, e.g. for per-thread allocation counters. */
  public Thread thread() {
    return thread;
  }

  public int core() {
    return core;
  }

  /** DPDK lcore id given at registration, -1 when not registered. */
  public int lcoreId() {
    return lcoreId;
  }

  public int kernelThreadId() {
    return kernelThreadId;
  }

  /** Gaps between poll passes (idle sleeps excluded): how long this worker was not polling. */
  public StallHistogram stalls() {
    return stalls;
  }

  /** Fraction of passes that found work: 1.0 at saturation. */
  public double busyRatio() {
    long busy = busyPasses;
    long total = busy + idlePasses;
    return total == 0 ? 0 : (double) busy / total;
  }
}
