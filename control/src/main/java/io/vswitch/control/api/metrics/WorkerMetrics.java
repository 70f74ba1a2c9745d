package io.vswitch.control.api.metrics;

import io.vswitch.dataplane.SwitchRuntime;
import io.vswitch.dataplane.worker.StallHistogram;
import io.vswitch.dataplane.worker.WorkerThread;
import java.util.List;

/**
 * Per worker: the busy ratio, and the stall histogram, the gaps between two poll passes (the idle
 * strategy's own sleeps left out): the time frames wait in a ring because the worker was stopped,
 * by a GC or other safepoint, a JIT deoptimisation or the kernel. Its log2 buckets are exported
 * from 2^10 ns (1.024 us, below is a normal pass) to 2^30 ns (1.07 s, above is +Inf), cumulative,
 * so histogram_quantile() reads them as any Prometheus histogram.
 */
public final class WorkerMetrics implements MetricSource {
  private static final int FIRST_STALL_BUCKET = 10;
  private static final int LAST_STALL_BUCKET = 30;
  private static final double[] STALL_BOUNDS = stallBounds();

  private final SwitchRuntime runtime;

  public WorkerMetrics(SwitchRuntime runtime) {
    this.runtime = runtime;
  }

  private static double[] stallBounds() {
    double[] bounds = new double[LAST_STALL_BUCKET - FIRST_STALL_BUCKET + 1];
    for (int b = FIRST_STALL_BUCKET; b <= LAST_STALL_BUCKET; b++) {
      bounds[b - FIRST_STALL_BUCKET] = StallHistogram.upperBoundNanos(b) / 1e9;
    }
    return bounds;
  }

  @Override
  public void render(Exposition out) {
    List<WorkerThread> workers = runtime.workers();
    out.family(MetricFamily.WORKER_BUSY);
    for (int w = 0; w < workers.size(); w++) {
      out.sample(MetricFamily.WORKER_BUSY, workers.get(w).busyRatio(), Integer.toString(w));
    }
    out.family(MetricFamily.WORKER_STALL);
    long[] counts = new long[StallHistogram.BUCKETS];
    long[] cumulative = new long[STALL_BOUNDS.length];
    for (int w = 0; w < workers.size(); w++) {
      StallHistogram stalls = workers.get(w).stalls();
      long total = stalls.snapshot(counts);
      long running = 0;
      for (int b = 0; b < StallHistogram.BUCKETS; b++) {
        running += counts[b];
        if (b >= FIRST_STALL_BUCKET && b <= LAST_STALL_BUCKET) {
          cumulative[b - FIRST_STALL_BUCKET] = running;
        }
      }
      out.histogram(
          MetricFamily.WORKER_STALL,
          STALL_BOUNDS,
          cumulative,
          total,
          stalls.sumNanos() / 1e9,
          Integer.toString(w));
    }
    out.family(MetricFamily.WORKER_MAX_STALL);
    for (int w = 0; w < workers.size(); w++) {
      out.sample(
          MetricFamily.WORKER_MAX_STALL,
          workers.get(w).stalls().maxNanos() / 1e9,
          Integer.toString(w));
    }
  }
}
