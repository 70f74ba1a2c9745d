package io.vswitch.dataplane.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class IntervalRecorderTest {
  private static final long HIGHEST = 10_000_000;

  /**
   * A worker records 2,000,000 values, swapping when asked once per "pass", while the reader takes
   * intervals as fast as it can: every value reaches the reader's total exactly once, whatever
   * interleaving the two threads found (a value lost in a swap, read twice or read while the worker
   * still wrote into its half would change some value's count).
   */
  @Test
  void everyValueReachesTheReaderOnceWhileBothRun() throws Exception {
    IntervalRecorder recorder = new IntervalRecorder(1, HIGHEST, 3);
    int values = 2_000_000;
    AtomicBoolean recorded = new AtomicBoolean();
    AtomicBoolean readerDone = new AtomicBoolean();
    Thread worker =
        new Thread(
            () -> {
              for (int v = 1; v <= values; v++) {
                recorder.swapIfAsked();
                recorder.record(v % 1000 + 1);
              }
              recorded.set(true);
              while (!readerDone.get()) { // the worker goes on polling, as an idle one does
                recorder.swapIfAsked();
                Thread.onSpinWait();
              }
            });
    worker.start();
    Histogram total = new Histogram(1, HIGHEST, 3);
    int takes = 0;
    while (!recorded.get()) {
      if (recorder.takeInterval(total, Duration.ofSeconds(5))) {
        takes++;
      }
    }
    assertTrue(recorder.takeInterval(total, Duration.ofSeconds(5)), "the final interval");
    readerDone.set(true);
    worker.join();

    assertEquals(values, total.getTotalCount());
    for (int value = 1; value <= 1000; value++) { // under 2,048 every value has a bucket of its own
      assertEquals(values / 1000, total.getCountAtValue(value), "value " + value);
    }
    assertTrue(takes > 1, "the reader took intervals while the worker recorded: " + takes);
  }

  /**
   * A worker that stopped polling leaves the take unanswered: it times out and adds nothing. When
   * the worker polls again, the next take is served by that one swap (not two, which would hand the
   * reader the half the worker writes), and the values from both sides of the timeout arrive.
   */
  @Test
  void aTakeThatTimedOutIsServedByTheNextSwapAndLosesNothing() {
    IntervalRecorder recorder = new IntervalRecorder(1, HIGHEST, 3);
    recorder.record(7);
    Histogram total = new Histogram(1, HIGHEST, 3);

    assertFalse(recorder.takeInterval(total, Duration.ofMillis(20)), "nobody swapped");
    assertEquals(0, total.getTotalCount());

    recorder.record(9); // still the old half: the worker has not swapped yet
    recorder.swapIfAsked(); // answers the request that timed out
    recorder.record(11); // the new half
    recorder.swapIfAsked(); // nothing asked since: no swap

    Thread worker = pollingWorker(recorder);
    try {
      assertTrue(recorder.takeInterval(total, Duration.ofSeconds(5)));
      assertEquals(2, total.getTotalCount(), "7 and 9, taken by the swap that answered");
      assertEquals(9, total.getMaxValue());

      assertTrue(recorder.takeInterval(total, Duration.ofSeconds(5)));
      assertEquals(3, total.getTotalCount(), "then 11");
      assertEquals(11, total.getMaxValue());
    } finally {
      worker.interrupt();
    }
  }

  private static Thread pollingWorker(IntervalRecorder recorder) {
    Thread worker =
        new Thread(
            () -> {
              while (!Thread.currentThread().isInterrupted()) {
                recorder.swapIfAsked();
                Thread.onSpinWait();
              }
            });
    worker.setDaemon(true);
    worker.start();
    return worker;
  }
}
