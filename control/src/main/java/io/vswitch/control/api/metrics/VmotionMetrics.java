package io.vswitch.control.api.metrics;

import io.vswitch.control.distributed.ConnectionMobility;
import java.util.function.LongSupplier;

/**
 * vMotion as this host sees it: the RARP announcements of arriving ports, the FDB cleanups and
 * duplicate MACs the etcd records showed, and the connections moved with VMs. The parts register
 * when the daemon makes them; until then (or on a switch without etcd) every family is zeros, so
 * every daemon exports the same families.
 */
public final class VmotionMetrics implements MetricSource {
  private static final LongSupplier ZERO = () -> 0;

  private volatile LongSupplier announcements = ZERO;
  private volatile LongSupplier rarpFrames = ZERO;
  private volatile LongSupplier cleanups = ZERO;
  private volatile LongSupplier duplicates = ZERO;
  private volatile ConnectionMobility connections; // null: none move

  public void rarps(LongSupplier announcements, LongSupplier frames) {
    this.announcements = announcements;
    this.rarpFrames = frames;
  }

  public void mobility(LongSupplier cleanups, LongSupplier duplicates) {
    this.cleanups = cleanups;
    this.duplicates = duplicates;
  }

  public void connections(ConnectionMobility connections) {
    this.connections = connections;
  }

  @Override
  public void render(Exposition out) {
    one(out, MetricFamily.VMOTION_ANNOUNCEMENTS, announcements.getAsLong());
    one(out, MetricFamily.VMOTION_RARP_FRAMES, rarpFrames.getAsLong());
    one(out, MetricFamily.VMOTION_FDB_CLEANUPS, cleanups.getAsLong());
    one(out, MetricFamily.VMOTION_DUPLICATE_MACS, duplicates.getAsLong());
    ConnectionMobility c = connections;
    one(out, MetricFamily.VMOTION_CT_EXPORTED, c == null ? 0 : c.exported());
    one(out, MetricFamily.VMOTION_CT_IMPORTED, c == null ? 0 : c.imported());
    out.family(MetricFamily.VMOTION_CT_REFUSED);
    for (ConnectionMobility.Refusal r : ConnectionMobility.Refusal.values()) {
      out.sample(MetricFamily.VMOTION_CT_REFUSED, c == null ? 0 : c.refused(r), r.label);
    }
    one(out, MetricFamily.VMOTION_CT_RECORDS_REFUSED, c == null ? 0 : c.recordsRefused());
  }

  private static void one(Exposition out, MetricFamily f, long value) {
    out.family(f).sample(f, value);
  }
}
