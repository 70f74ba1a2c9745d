package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.conntrack.ConntrackTable;
import io.vswitch.dataplane.conntrack.CtClock;
import io.vswitch.dataplane.l2.tap.Taps;
import io.vswitch.dataplane.l2.team.Team;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The state the workers of an L2 switch share: the FDB (learned concurrently by all of them) and
 * the published tables (replaced whole by the control thread, read once per pass by each worker:
 * RCU with the garbage collector as the grace period, since tables are plain objects).
 */
public final class L2Switch implements AutoCloseable {
  private final Fdb fdb;
  private final ConntrackTable conntrack;
  private final io.vswitch.dataplane.flow.FlowExport flows;
  private final AtomicReference<L2Tables> tables;
  private Taps taps = Taps.NONE;
  private final TxInjector injector = new TxInjector();

  public L2Switch(Fdb fdb, L2Tables initial) {
    this(fdb, null, initial);
  }

  /**
   * @param conntrack the connection table every worker shares, or null: connections not tracked
   *     (configuration refuses ct-state rules then)
   */
  public L2Switch(Fdb fdb, ConntrackTable conntrack, L2Tables initial) {
    this(fdb, conntrack, null, initial);
  }

  /**
   * @param flows the workers' flow caches for IPFIX, or null: no flow export (configuration refuses
   *     ports with it on then)
   */
  public L2Switch(
      Fdb fdb,
      ConntrackTable conntrack,
      io.vswitch.dataplane.flow.FlowExport flows,
      L2Tables initial) {
    this.fdb = fdb;
    this.conntrack = conntrack;
    this.flows = flows;
    this.tables = new AtomicReference<>(initial);
  }

  public Fdb fdb() {
    return fdb;
  }

  /** The shared connection table, or null when the switch does not track connections. */
  public ConntrackTable conntrack() {
    return conntrack;
  }

  /** The workers' flow caches, or null when the switch exports no flows. */
  public io.vswitch.dataplane.flow.FlowExport flowExport() {
    return flows;
  }

  /** Frames the control thread sends (team probes, notifications); worker 0 transmits them. */
  public TxInjector injector() {
    return injector;
  }

  /** The tables workers use now. */
  public L2Tables tables() {
    return tables.get();
  }

  /**
   * Publishes new tables; each worker switches at its next pass. A trace or capture that is armed
   * stays armed across a config change: the new tables carry it too.
   */
  public synchronized void publish(L2Tables next) {
    L2Tables current = tables.get();
    if (current != null) {
      for (Team team : next.teams()) { // a config change keeps a team's health and failovers
        for (Team old : current.teams()) {
          if (old.name.equals(team.name)) {
            team.inherit(old);
          }
        }
      }
    }
    tables.set(next.taps() == taps ? next : next.withTaps(taps));
  }

  /** Arms (or, with {@link Taps#NONE}, ends) a trace or capture: republishes the tables. */
  public synchronized void tap(Taps next) {
    taps = next;
    tables.set(tables.get().withTaps(next));
  }

  /** What is traced or captured now. */
  public synchronized Taps taps() {
    return taps;
  }

  /** Ages out stale FDB entries; the control thread calls this every few seconds. */
  public int age() {
    return fdb.sweep(FdbClock.nowSeconds());
  }

  /**
   * Reclaims expired connections and tombstones, {@code slots} index slots per call (round the
   * table over successive calls); the control thread calls it with {@link #age}. Returns entries
   * freed.
   */
  public int sweepConnections(long slots) {
    return conntrack == null ? 0 : conntrack.sweep(slots, CtClock.nowMillis());
  }

  @Override
  public void close() {
    fdb.close();
    if (conntrack != null) {
      conntrack.close();
    }
  }
}
