package io.vswitch.control.api;

import io.vswitch.dataplane.SwitchRuntime;
import io.vswitch.dataplane.l2.FdbClock;
import io.vswitch.dataplane.l2.L2Switch;
import io.vswitch.dataplane.port.Port;
import io.vswitch.dataplane.stats.CounterFile;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.stats.PortCounter;
import io.vswitch.dataplane.worker.StallHistogram;
import io.vswitch.dataplane.worker.WorkerThread;
import java.util.List;
import java.util.function.Function;

/**
 * Renders the switch's state in the Prometheus text exposition format (version 0.0.4): per-port
 * counters, drops by reason, FDB size, worker busy ratio, the workers' stall histograms (gaps
 * between poll passes) and their burst latency histograms. Built on request from the shared
 * counters; nothing here touches the fast path.
 */
public final class PrometheusMetrics {
  private final SwitchRuntime runtime;
  private final L2Switch l2;
  private final LatencyHistograms latency;

  public PrometheusMetrics(SwitchRuntime runtime, L2Switch l2, LatencyHistograms latency) {
    this.runtime = runtime;
    this.l2 = l2;
    this.latency = latency;
  }

  public String render() {
    StringBuilder out = new StringBuilder(4096);
    CounterFile counters = runtime.counters();
    List<Port> ports = runtime.ports();
    for (PortCounter counter : PortCounter.values()) {
      String name = "vswitch_port_" + counter.label() + "_total";
      family(out, name, "counter", "Per-port " + counter.label().replace('_', ' ') + ".");
      for (Port port : ports) {
        sample(out, name, "port=\"" + port.name() + "\"", counters.sum(port.index(), counter));
      }
    }
    family(out, "vswitch_port_drops_total", "counter", "Packets dropped, by port and reason.");
    for (Port port : ports) {
      for (DropReason reason : DropReason.values()) {
        String labels = "port=\"" + port.name() + "\",reason=\"" + reason.label() + "\"";
        sample(out, "vswitch_port_drops_total", labels, counters.sum(port.index(), reason));
      }
    }
    if (l2 != null) {
      family(out, "vswitch_fdb_entries", "gauge", "Live entries in the forwarding database.");
      sample(out, "vswitch_fdb_entries", "", l2.fdb().size(FdbClock.nowSeconds()));
    }
    workers(
        out,
        "vswitch_worker_busy_ratio",
        "Share of poll passes that found work.",
        WorkerThread::busyRatio);
    stalls(out);
    if (latency != null) {
      latency.render(out);
    }
    return out.toString();
  }

  private void workers(
      StringBuilder out, String name, String help, Function<WorkerThread, Double> value) {
    family(out, name, "gauge", help);
    List<WorkerThread> workers = runtime.workers();
    for (int w = 0; w < workers.size(); w++) {
      out.append(name)
          .append("{worker=\"")
          .append(w)
          .append("\"} ")
          .append(value.apply(workers.get(w)))
          .append('\n');
    }
  }

  /**
   * The gaps between two poll passes of each worker (the idle strategy's own sleeps left out): the
   * time frames wait in a ring because the worker was stopped, by a GC or other safepoint, a JIT
   * deoptimisation or the kernel. Buckets are powers of two from 1.024 us to ~1.1 s, cumulative.
   */
  private void stalls(StringBuilder out) {
    List<WorkerThread> workers = runtime.workers();
    String name = "vswitch_worker_stall_seconds";
    family(
        out, name, "histogram", "Gaps between two poll passes of a worker (idle sleeps excluded).");
    long[] counts = new long[StallHistogram.BUCKETS];
    for (int w = 0; w < workers.size(); w++) {
      long total = workers.get(w).stalls().snapshot(counts);
      long cumulative = 0;
      for (int b = 0; b < StallHistogram.BUCKETS; b++) {
        cumulative += counts[b];
        if (b >= FIRST_STALL_BUCKET && b <= LAST_STALL_BUCKET) {
          out.append(name)
              .append("_bucket{worker=\"")
              .append(w)
              .append("\",le=\"")
              .append(StallHistogram.upperBoundNanos(b) / 1e9)
              .append("\"} ")
              .append(cumulative)
              .append('\n');
        }
      }
      out.append(name)
          .append("_bucket{worker=\"")
          .append(w)
          .append("\",le=\"+Inf\"} ")
          .append(total)
          .append('\n');
      double sumSeconds = workers.get(w).stalls().sumNanos() / 1e9;
      out.append(name).append("_sum{worker=\"").append(w).append("\"} ").append(sumSeconds);
      out.append('\n');
      out.append(name).append("_count{worker=\"").append(w).append("\"} ").append(total);
      out.append('\n');
    }
    workers(
        out,
        "vswitch_worker_max_stall_seconds",
        "Longest gap between two poll passes of a worker since start (idle sleeps excluded).",
        worker -> worker.stalls().maxNanos() / 1e9);
  }

  /** 2^10 ns (1.024 us) to 2^30 ns (1.07 s): below is a normal pass, above is +Inf. */
  private static final int FIRST_STALL_BUCKET = 10;

  private static final int LAST_STALL_BUCKET = 30;

  static void family(StringBuilder out, String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  static void sample(StringBuilder out, String name, String labels, long value) {
    out.append(name);
    if (!labels.isEmpty()) {
      out.append('{').append(labels).append('}');
    }
    out.append(' ').append(value).append('\n');
  }
}
