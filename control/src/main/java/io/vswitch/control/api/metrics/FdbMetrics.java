package io.vswitch.control.api.metrics;

import io.vswitch.dataplane.SwitchRuntime;
import io.vswitch.dataplane.l2.Fdb;
import io.vswitch.dataplane.l2.FdbClock;
import io.vswitch.dataplane.l2.L2Switch;
import io.vswitch.dataplane.port.Port;
import io.vswitch.dataplane.stats.PortCounter;
import java.util.function.LongSupplier;

/**
 * The forwarding database: its size against its capacity, learned entries and refused learns per
 * port (the MAC limit at work), evictions of a full table, and entries aged out. Together they show
 * a MAC flood (refusals and evictions climbing) and churn (aged out). The size walks the table,
 * which costs a scrape a few milliseconds for a million-entry FDB and nothing on the fast path.
 */
public final class FdbMetrics implements MetricSource {
  private final SwitchRuntime runtime;
  private final L2Switch l2;
  private final LongSupplier capacity;
  private final LongSupplier agedOut;

  /**
   * @param capacity the configured capacity (fdb.capacity)
   * @param agedOut entries aged out since start, as the control agent's aging counts them
   */
  public FdbMetrics(
      SwitchRuntime runtime, L2Switch l2, LongSupplier capacity, LongSupplier agedOut) {
    this.runtime = runtime;
    this.l2 = l2;
    this.capacity = capacity;
    this.agedOut = agedOut;
  }

  @Override
  public void render(Exposition out) {
    Fdb fdb = l2.fdb();
    out.family(MetricFamily.FDB_ENTRIES)
        .sample(MetricFamily.FDB_ENTRIES, fdb.size(FdbClock.nowSeconds()));
    out.family(MetricFamily.FDB_MAX_ENTRIES)
        .sample(MetricFamily.FDB_MAX_ENTRIES, capacity.getAsLong());
    out.family(MetricFamily.FDB_LEARNED);
    for (Port port : runtime.ports()) {
      out.sample(MetricFamily.FDB_LEARNED, fdb.learnedOn(port.index()), port.name());
    }
    out.family(MetricFamily.FDB_LEARN_REFUSALS);
    for (Port port : runtime.ports()) {
      out.sample(
          MetricFamily.FDB_LEARN_REFUSALS,
          runtime.counters().sum(port.index(), PortCounter.FDB_LEARN_REFUSED),
          port.name());
    }
    out.family(MetricFamily.L2_FLOW_CACHE_LOOKUPS);
    for (Port port : runtime.ports()) {
      out.sample(
          MetricFamily.L2_FLOW_CACHE_LOOKUPS,
          runtime.counters().sum(port.index(), PortCounter.FLOW_CACHE_HITS),
          port.name(),
          "hit");
      out.sample(
          MetricFamily.L2_FLOW_CACHE_LOOKUPS,
          runtime.counters().sum(port.index(), PortCounter.FLOW_CACHE_MISSES),
          port.name(),
          "miss");
    }
    out.family(MetricFamily.FDB_EVICTIONS).sample(MetricFamily.FDB_EVICTIONS, fdb.evictions());
    out.family(MetricFamily.FDB_AGED_OUT).sample(MetricFamily.FDB_AGED_OUT, agedOut.getAsLong());
  }
}
