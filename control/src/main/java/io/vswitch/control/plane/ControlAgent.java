package io.vswitch.control.plane;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one thread that does all control work, as an Aeron agent does: API changes handed over by the
 * HTTP handler threads (which wait for the result), and the periodic duties (FDB aging, link
 * watching, ...). Work is serialised by construction, not by locks: nothing else writes the
 * control-side state, so an aging sweep can never race a change (the FDB checks that it is called
 * from here, {@link io.vswitch.dataplane.l2.Fdb#bindControlThread}).
 *
 * <p>The queue is bounded: when {@code capacity} tasks wait already, {@link #submit} refuses at
 * once rather than piling up callers. A task that fails does not stop the agent; its exception goes
 * back to its caller. A failing duty is reported on {@code log} and runs again next period.
 */
public final class ControlAgent implements AutoCloseable {
  private record Task<T>(Callable<T> work, CompletableFuture<T> result) {
    void run() {
      try {
        result.complete(work.call());
      } catch (Throwable t) {
        result.completeExceptionally(t);
      }
    }
  }

  private static final class Duty {
    final String name;
    final long periodNanos;
    final Runnable work;
    long due;
    final AtomicLong failures = new AtomicLong();

    Duty(String name, long periodNanos, Runnable work, long due) {
      this.name = name;
      this.periodNanos = periodNanos;
      this.work = work;
      this.due = due;
    }
  }

  private static final Task<Void> STOP = new Task<>(() -> null, new CompletableFuture<>());

  private final BlockingQueue<Task<?>> queue;
  private final List<Duty> duties = new ArrayList<>();
  private final PrintStream log;
  private final Thread thread;
  private volatile boolean stopping;
  private final AtomicLong rejected = new AtomicLong();

  /**
   * @param capacity tasks that may wait for the agent before {@link #submit} refuses
   * @param log where failing duties are reported, one line each
   */
  public ControlAgent(int capacity, PrintStream log) {
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.log = log;
    this.thread = new Thread(this::run, "vswitch-control");
    this.thread.setDaemon(true);
  }

  /** Adds a duty run every {@code period} on the agent thread, the first time at start. */
  public synchronized ControlAgent every(Duration period, String name, Runnable duty) {
    if (thread.isAlive()) {
      throw new IllegalStateException("duties are set before the agent starts");
    }
    duties.add(new Duty(name, period.toNanos(), duty, 0));
    return this;
  }

  public synchronized ControlAgent start() {
    long now = System.nanoTime();
    duties.forEach(d -> d.due = now);
    thread.start();
    return this;
  }

  /** The agent's thread: the owner of all control-side state. */
  public Thread thread() {
    return thread;
  }

  /** Tasks waiting for the agent now (not counting the one it runs). */
  public int waiting() {
    return queue.size();
  }

  /** Submissions refused because the queue was full, since start. */
  public long rejected() {
    return rejected.get();
  }

  /** Each duty's failed runs since start, by name, in the order the duties were added. */
  public synchronized Map<String, Long> dutyFailures() {
    Map<String, Long> failures = new LinkedHashMap<>();
    duties.forEach(d -> failures.merge(d.name, d.failures.get(), Long::sum));
    return failures;
  }

  public boolean onAgentThread() {
    return Thread.currentThread() == thread;
  }

  /**
   * Runs {@code task} on the agent and waits for it. Returns its result, or throws what it threw:
   * unchecked exceptions and errors as they are, checked ones wrapped in a {@link
   * CompletionException}. Called on the agent itself (a task or duty submitting more), it runs the
   * task at once instead of deadlocking.
   *
   * @throws RejectedExecutionException the queue is full, or the agent is stopped
   */
  public <T> T submit(Callable<T> task) {
    if (onAgentThread()) {
      return callHere(task);
    }
    if (stopping) {
      throw new RejectedExecutionException("the control plane is stopping");
    }
    Task<T> t = new Task<>(task, new CompletableFuture<>());
    if (!queue.offer(t)) {
      rejected.incrementAndGet();
      throw new RejectedExecutionException(
          "the control plane is busy: " + queue.size() + " changes are waiting; try again");
    }
    try {
      return t.result().get();
    } catch (InterruptedException e) {
      // The change still runs (it cannot be taken back half-way); only this caller stops waiting.
      Thread.currentThread().interrupt();
      throw new CompletionException("interrupted while the control plane ran the change", e);
    } catch (ExecutionException e) {
      throw rethrow(e.getCause());
    }
  }

  private static <T> T callHere(Callable<T> task) {
    try {
      return task.call();
    } catch (Exception e) {
      throw rethrow(e);
    }
  }

  private static RuntimeException rethrow(Throwable cause) {
    if (cause instanceof RuntimeException r) {
      throw r;
    }
    if (cause instanceof Error e) {
      throw e;
    }
    throw new CompletionException(cause);
  }

  private void run() {
    try {
      while (true) {
        long now = System.nanoTime();
        long next = runDueDuties(now);
        Task<?> task = queue.poll(Math.max(0, next - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (task == STOP) {
          break;
        }
        if (task != null) {
          task.run();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Task<?> left; (left = queue.poll()) != null; ) {
      left.result()
          .completeExceptionally(
              new RejectedExecutionException("the control plane stopped before this change ran"));
    }
  }

  /** Runs the duties that are due; returns when the next one is. */
  private long runDueDuties(long now) {
    long next = now + TimeUnit.SECONDS.toNanos(1);
    for (Duty d : duties) {
      if (now - d.due >= 0) {
        try {
          d.work.run();
        } catch (RuntimeException e) {
          d.failures.incrementAndGet();
          log.printf("vswitch: warning: control duty '%s' failed: %s%n", d.name, e);
          log.flush();
        }
        d.due = now + d.periodNanos;
      }
      if (d.due - next < 0) {
        next = d.due;
      }
    }
    return next;
  }

  /** Stops after the task running now; tasks still queued are refused to their callers. */
  @Override
  public void close() {
    stopping = true;
    if (!thread.isAlive()) {
      return;
    }
    while (!queue.offer(STOP)) {
      Task<?> dropped = queue.poll();
      if (dropped != null) {
        dropped
            .result()
            .completeExceptionally(
                new RejectedExecutionException("the control plane stopped before this change ran"));
      }
    }
    try {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
