package io.vswitch.control.api.metrics;

import io.vswitch.control.plane.ChangeRecord;
import io.vswitch.control.plane.ControlAgent;
import io.vswitch.control.plane.ControlPlane;
import io.vswitch.control.plane.Journal;
import java.util.Optional;

/**
 * The control side's health: the control agent's queue and failed duties, the running config's
 * sequence and age, and the journal (its size, and whether a write failed, after which every change
 * is refused until a restart).
 */
public final class ControlMetrics implements MetricSource {
  private final ControlPlane plane;
  private final ControlAgent agent;

  public ControlMetrics(ControlPlane plane, ControlAgent agent) {
    this.plane = plane;
    this.agent = agent;
  }

  @Override
  public void render(Exposition out) {
    out.family(MetricFamily.CONTROL_QUEUED).sample(MetricFamily.CONTROL_QUEUED, agent.waiting());
    out.family(MetricFamily.CONTROL_REJECTED)
        .sample(MetricFamily.CONTROL_REJECTED, agent.rejected());
    out.family(MetricFamily.CONTROL_DUTY_FAILURES);
    agent
        .dutyFailures()
        .forEach(
            (duty, failures) -> out.sample(MetricFamily.CONTROL_DUTY_FAILURES, failures, duty));
    out.family(MetricFamily.CONFIG_SEQUENCE).sample(MetricFamily.CONFIG_SEQUENCE, plane.sequence());
    Journal journal = plane.journal();
    Optional<ChangeRecord> last = journal == null ? Optional.empty() : journal.latest();
    out.family(MetricFamily.CONFIG_LAST_CHANGE);
    last.ifPresent(
        record -> out.sample(MetricFamily.CONFIG_LAST_CHANGE, record.timeMillis() / 1e3));
    out.family(MetricFamily.JOURNAL_SIZE);
    if (journal != null) {
      out.sample(MetricFamily.JOURNAL_SIZE, journal.sizeBytes());
    }
    out.family(MetricFamily.JOURNAL_FAILED);
    if (journal != null) {
      out.sample(MetricFamily.JOURNAL_FAILED, journal.failed() ? 1 : 0);
    }
  }
}
