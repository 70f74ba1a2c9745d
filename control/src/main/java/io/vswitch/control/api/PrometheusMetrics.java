package io.vswitch.control.api;

import io.vswitch.control.api.metrics.ControlMetrics;
import io.vswitch.control.api.metrics.DistributedMetrics;
import io.vswitch.control.api.metrics.Exposition;
import io.vswitch.control.api.metrics.FdbMetrics;
import io.vswitch.control.api.metrics.HttpMetrics;
import io.vswitch.control.api.metrics.MetricFamily;
import io.vswitch.control.api.metrics.MetricSource;
import io.vswitch.control.api.metrics.PortMetrics;
import io.vswitch.control.api.metrics.VmotionMetrics;
import io.vswitch.control.api.metrics.WorkerMetrics;
import io.vswitch.control.distributed.DistributedSwitch;
import io.vswitch.control.plane.ControlAgent;
import io.vswitch.control.plane.ControlPlane;
import io.vswitch.dataplane.SwitchRuntime;
import io.vswitch.dataplane.l2.L2Switch;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The switch's state in the Prometheus text exposition format (version 0.0.4), as GET /metrics
 * serves it on the API and on the --metrics listener: per-port counters and drops by reason, the
 * devices' own counters, the FDB, the workers' busy ratio, stall and burst-latency histograms, and
 * the control side's health (API responses, control queue, journal). The families are the ones
 * {@link MetricFamily} declares. Built on request from the shared counters, on the control agent;
 * nothing here touches the fast path.
 */
public final class PrometheusMetrics {
  private final List<MetricSource> sources = new ArrayList<>();
  private final HttpMetrics http = new HttpMetrics();
  private final VmotionMetrics vmotion = new VmotionMetrics();

  private PrometheusMetrics() {}

  /**
   * The data plane's families: ports, and in L2 mode ({@code l2} not null) the FDB and the burst
   * latency; the workers always.
   *
   * @param fdbCapacity the configured FDB capacity (entries)
   * @param fdbAgedOut entries aged out since start
   */
  public static PrometheusMetrics forSwitch(
      SwitchRuntime runtime, L2Switch l2, LongSupplier fdbCapacity, LongSupplier fdbAgedOut) {
    PrometheusMetrics metrics = new PrometheusMetrics();
    metrics.sources.add(new PortMetrics(runtime));
    if (l2 != null) {
      metrics.sources.add(new FdbMetrics(runtime, l2, fdbCapacity, fdbAgedOut));
      metrics.sources.add(new io.vswitch.control.api.metrics.TeamMetrics(l2));
    }
    metrics.sources.add(new WorkerMetrics(runtime));
    if (l2 != null) {
      metrics.sources.add(new LatencyHistograms(() -> LatencyHistograms.of(runtime.agents())));
    }
    return metrics;
  }

  /** Everything a daemon exports: the data plane's families plus the control side's. */
  public static PrometheusMetrics forDaemon(
      ControlPlane plane, ControlAgent agent, LongSupplier fdbAgedOut) {
    return forDaemon(plane, agent, fdbAgedOut, null, null);
  }

  /**
   * As {@link #forDaemon(ControlPlane, ControlAgent, LongSupplier)}, as a distributed switch's host
   * ({@code dvs} null: not one) and with the IPFIX exporter's counters ({@code ipfix} null: no flow
   * export, zeros).
   */
  public static PrometheusMetrics forDaemon(
      ControlPlane plane,
      ControlAgent agent,
      LongSupplier fdbAgedOut,
      DistributedSwitch dvs,
      io.vswitch.control.ipfix.IpfixExporter ipfix) {
    PrometheusMetrics metrics =
        forSwitch(plane.runtime(), plane.l2(), () -> plane.running().fdb().capacity(), fdbAgedOut);
    metrics.sources.add(new ControlMetrics(plane, agent));
    if (plane.l2() != null) {
      metrics.sources.add(
          new io.vswitch.control.api.metrics.AclMetrics(
              plane::running, () -> plane.l2().conntrack()));
    }
    metrics.sources.add(new DistributedMetrics(dvs));
    metrics.sources.add(metrics.vmotion);
    metrics.sources.add(new io.vswitch.control.api.metrics.IpfixMetrics(ipfix));
    metrics.sources.add(metrics.http);
    return metrics;
  }

  /** Where the daemon's vMotion parts register their counters (zeros until they do). */
  public VmotionMetrics vmotion() {
    return vmotion;
  }

  /** Where the API's listeners register their response counts. */
  public HttpMetrics http() {
    return http;
  }

  public String render() {
    StringBuilder out = new StringBuilder(16384);
    Exposition exposition = new Exposition(out);
    for (MetricSource source : sources) {
      source.render(exposition);
    }
    return out.toString();
  }
}
