package io.vswitch.dataplane.stats;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * A histogram one worker records into and one control thread takes intervals from, with no atomic
 * read-modify-write on the worker's side.
 *
 * <p>Why not HdrHistogram's {@code SingleWriterRecorder}: its writer enters and leaves a phaser
 * with two {@code getAndIncrement}s per value, two locked instructions the worker paid on every
 * pass (1.7% of the l2-fair row's samples). Here the worker owns the swap instead: the reader asks
 * for one ({@link #takeInterval}), and the worker, at its next {@link #swapIfAsked} (once per pass,
 * a plain load when nobody asks), starts writing into the other histogram and publishes the one it
 * left. The reader then reads that one alone, adds it into its total and clears it before it can
 * ever ask again, so the two threads never touch the same histogram at once.
 *
 * <p>A worker that stopped polling leaves the reader's request unanswered: {@link #takeInterval}
 * gives up after its timeout, and the values wait for the next take.
 */
public final class IntervalRecorder {
  private static final VarHandle ASKED;
  private static final VarHandle ANSWERED;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      ASKED = lookup.findVarHandle(IntervalRecorder.class, "asked", long.class);
      ANSWERED = lookup.findVarHandle(IntervalRecorder.class, "answered", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Histogram[] halves = new Histogram[2];

  /** The half the worker writes; the worker's alone. */
  private Histogram active;

  private int activeIndex; // worker only

  /** Requests made (reader writes, release); answered: requests served (worker writes, release). */
  @SuppressWarnings("unused") // through ASKED
  private long asked;

  @SuppressWarnings("unused") // through ANSWERED
  private long answered;

  /** The last request whose interval the reader took (reader only, under the monitor). */
  private long taken;

  public IntervalRecorder(long lowest, long highest, int significantDigits) {
    halves[0] = new Histogram(lowest, highest, significantDigits);
    halves[1] = new Histogram(lowest, highest, significantDigits);
    active = halves[0];
  }

  /** Worker only: one value into the current interval. */
  public void record(long value) {
    active.recordValue(value);
  }

  /**
   * Worker only, once per pass: hands the current interval over if the reader asked for it. Costs
   * one load when it did not.
   */
  public void swapIfAsked() {
    long request = (long) ASKED.getAcquire(this);
    if (request != (long) ANSWERED.getOpaque(this)) {
      activeIndex ^= 1;
      active = halves[activeIndex];
      ANSWERED.setRelease(this, request); // the left half's values happen-before the reader's read
    }
  }

  /**
   * Reader only (one thread at a time): adds the values recorded since the last take into {@code
   * total}; returns false, adding nothing, when the worker did not answer within {@code timeout}.
   */
  public synchronized boolean takeInterval(Histogram total, Duration timeout) {
    long request = (long) ASKED.getOpaque(this);
    if (request == taken) { // every request so far was read: ask for the next interval
      request++;
      ASKED.setRelease(this, request);
    } // else the last take timed out: its request stands, and asking again would swap twice
    long deadline = System.nanoTime() + timeout.toNanos();
    while ((long) ANSWERED.getAcquire(this) != request) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      LockSupport.parkNanos(50_000);
    }
    // The worker writes the other half now; this one is the reader's until it asks again.
    Histogram left = halves[leftIndex(request)];
    total.add(left);
    left.reset();
    taken = request;
    return true;
  }

  /**
   * Which half the worker left when it answered request {@code n}: it starts on half 0 and each
   * answer moves it to the other, so after n answers it writes half n % 2 and left the other.
   */
  private static int leftIndex(long n) {
    return (int) ((n - 1) & 1);
  }
}
