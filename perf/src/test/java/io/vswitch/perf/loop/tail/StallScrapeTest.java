package io.vswitch.perf.loop.tail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

class StallScrapeTest {
  private static String metrics(long upTo1us, long upTo2us, long upTo4us, long all) {
    return "# TYPE vswitch_worker_stall_seconds histogram\n"
        + "vswitch_worker_stall_seconds_bucket{worker=\"0\",le=\"1.024E-6\"} "
        + upTo1us
        + "\n"
        + "vswitch_worker_stall_seconds_bucket{worker=\"0\",le=\"2.048E-6\"} "
        + upTo2us
        + "\n"
        + "vswitch_worker_stall_seconds_bucket{worker=\"0\",le=\"4.096E-6\"} "
        + upTo4us
        + "\n"
        + "vswitch_worker_stall_seconds_bucket{worker=\"0\",le=\"+Inf\"} "
        + all
        + "\n"
        + "vswitch_worker_stall_seconds_bucket{worker=\"1\",le=\"+Inf\"} 99\n"
        + "vswitch_worker_stall_seconds_sum{worker=\"0\"} 0.5\n";
  }

  @Test
  void theLargestStallIsTheLowerBoundOfTheHighestBucketThatGrew() {
    StallScrape a = StallScrape.parse(metrics(100, 100, 100, 100), 0, 10, 20);
    StallScrape b = StallScrape.parse(metrics(200, 203, 203, 203), 0, 110, 120);
    StallScrape.Window w = b.windowSince(a);
    assertEquals(1024, w.largestAtLeastNanos());
    assertEquals(103, w.gaps());
    assertEquals(new Interval(10, 120, "worker stall"), w.span());
  }

  @Test
  void aStallBeyondTheLastBoundIsAtLeastThatBound() {
    StallScrape a = StallScrape.parse(metrics(1, 1, 1, 1), 0, 0, 1);
    StallScrape b = StallScrape.parse(metrics(5, 5, 5, 6), 0, 2, 3);
    assertEquals(4096, b.windowSince(a).largestAtLeastNanos());
  }

  @Test
  void onlyNormalPassesMeanNoStall() {
    StallScrape a = StallScrape.parse(metrics(1, 1, 1, 1), 0, 0, 1);
    StallScrape b = StallScrape.parse(metrics(9, 9, 9, 9), 0, 2, 3);
    StallScrape c = StallScrape.parse(metrics(9, 9, 10, 10), 0, 4, 5);
    List<StallScrape.Window> w = StallScrape.windows(List.of(a, b, c));
    assertEquals(0, w.get(0).largestAtLeastNanos());
    assertEquals(2048, w.get(1).largestAtLeastNanos());
  }

  @Test
  void aWorkerWithoutBucketsHasNoReading() {
    assertNull(StallScrape.parse(metrics(1, 1, 1, 1), 3, 0, 1));
  }
}
