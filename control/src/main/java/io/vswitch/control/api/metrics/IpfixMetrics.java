package io.vswitch.control.api.metrics;

import io.vswitch.control.ipfix.IpfixExporter;

/**
 * The IPFIX exporter's counters; zeros when the switch exports no flows ({@code exporter} null).
 */
public final class IpfixMetrics implements MetricSource {
  private final IpfixExporter exporter;

  public IpfixMetrics(IpfixExporter exporter) {
    this.exporter = exporter;
  }

  @Override
  public void render(Exposition out) {
    boolean on = exporter != null;
    out.family(MetricFamily.IPFIX_EXPORTED)
        .sample(MetricFamily.IPFIX_EXPORTED, on ? exporter.recordsExported() : 0);
    out.family(MetricFamily.IPFIX_DROPPED)
        .sample(MetricFamily.IPFIX_DROPPED, on ? exporter.recordsDropped() : 0);
    out.family(MetricFamily.IPFIX_MESSAGES)
        .sample(MetricFamily.IPFIX_MESSAGES, on ? exporter.messagesSent() : 0);
    out.family(MetricFamily.IPFIX_SEND_ERRORS)
        .sample(MetricFamily.IPFIX_SEND_ERRORS, on ? exporter.sendErrors() : 0);
  }
}
