package io.vswitch.control.api.metrics;

import io.vswitch.control.distributed.DistributedSwitch;

/**
 * The distributed switch as this host sees it: whether etcd is reachable, the shared config's
 * revision it runs, and how many revisions it refused. Zeros on a switch without etcd, so every
 * daemon exports the same families.
 */
public final class DistributedMetrics implements MetricSource {
  private final DistributedSwitch dvs; // null: not part of a distributed switch

  public DistributedMetrics(DistributedSwitch dvs) {
    this.dvs = dvs;
  }

  @Override
  public void render(Exposition out) {
    out.family(MetricFamily.ETCD_CONNECTED)
        .sample(MetricFamily.ETCD_CONNECTED, dvs != null && dvs.connected() ? 1 : 0);
    out.family(MetricFamily.ETCD_CONFIG_REVISION)
        .sample(MetricFamily.ETCD_CONFIG_REVISION, dvs == null ? 0 : dvs.appliedRevision());
    out.family(MetricFamily.ETCD_REFUSED)
        .sample(MetricFamily.ETCD_REFUSED, dvs == null ? 0 : dvs.refusedRevisions());
  }
}
