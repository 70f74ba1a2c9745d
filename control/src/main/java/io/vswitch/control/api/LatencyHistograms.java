package io.vswitch.control.api;

import io.vswitch.control.api.metrics.Exposition;
import io.vswitch.control.api.metrics.MetricFamily;
import io.vswitch.control.api.metrics.MetricSource;
import io.vswitch.dataplane.stats.IntervalRecorder;
import io.vswitch.dataplane.worker.Agent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;

/**
 * Accumulates the workers' burst-latency recorders (an HdrHistogram per worker of how long a pass
 * that moved packets took, see {@link IntervalRecorder}) into cumulative histograms, and renders
 * them as a Prometheus histogram. A worker hands its interval over at its next pass, so it never
 * waits, never allocates and takes no atomic operation; a scrape waits for that pass.
 */
public final class LatencyHistograms implements MetricSource {
  private static final long[] BUCKETS_NS = {
    1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000, 10_000_000
  };

  private static final double[] BOUNDS_SECONDS =
      java.util.Arrays.stream(BUCKETS_NS).mapToDouble(ns -> ns / 1e9).toArray();

  /**
   * How long a scrape waits for a worker to hand its interval over: a polling worker answers within
   * a pass, a parked one within its longest park.
   */
  private static final Duration WORKER_ANSWER = Duration.ofMillis(50);

  private final Supplier<List<IntervalRecorder>> recorders;
  private final List<Histogram> totals = new ArrayList<>();

  /**
   * @param recorders the current workers' recorders (workers come and go with restarts)
   */
  public LatencyHistograms(Supplier<List<IntervalRecorder>> recorders) {
    this.recorders = recorders;
  }

  /** Recorders of agents that keep one. */
  public static List<IntervalRecorder> of(List<Agent> agents) {
    List<IntervalRecorder> found = new ArrayList<>();
    for (Agent agent : agents) {
      if (agent instanceof io.vswitch.dataplane.l2.L2Agent l2) {
        found.add(l2.latency());
      }
    }
    return found;
  }

  @Override
  public synchronized void render(Exposition out) {
    List<IntervalRecorder> current = recorders.get();
    while (totals.size() < current.size()) {
      totals.add(new Histogram(3));
    }
    out.family(MetricFamily.BURST_LATENCY);
    long[] cumulative = new long[BUCKETS_NS.length];
    for (int w = 0; w < current.size(); w++) {
      Histogram total = totals.get(w);
      current.get(w).takeInterval(total, WORKER_ANSWER); // unanswered: the values wait
      for (int b = 0; b < BUCKETS_NS.length; b++) {
        cumulative[b] = total.getCountBetweenValues(0, BUCKETS_NS[b]);
      }
      double sumSeconds = total.getMean() * total.getTotalCount() / 1e9;
      out.histogram(
          MetricFamily.BURST_LATENCY,
          BOUNDS_SECONDS,
          cumulative,
          total.getTotalCount(),
          sumSeconds,
          Integer.toString(w));
    }
  }
}
