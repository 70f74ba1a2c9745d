package io.vswitch.dataplane.l2;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The state the workers of an L2 switch share: the FDB (learned concurrently by all of them) and
 * the published tables (replaced whole by the control thread, read once per pass by each worker:
 * RCU with the garbage collector as the grace period, since tables are plain objects).
 */
public final class L2Switch implements AutoCloseable {
  private final Fdb fdb;
  private final AtomicReference<L2Tables> tables;

  public L2Switch(Fdb fdb, L2Tables initial) {
    this.fdb = fdb;
    this.tables = new AtomicReference<>(initial);
  }

  public Fdb fdb() {
    return fdb;
  }

  /** The tables workers use now. */
  public L2Tables tables() {
    return tables.get();
  }

  /** Publishes new tables; each worker switches at its next pass. */
  public void publish(L2Tables next) {
    tables.set(next);
  }

  /** Ages out stale FDB entries; the control thread calls this every few seconds. */
  public int age() {
    return fdb.sweep(FdbClock.nowSeconds());
  }

  @Override
  public void close() {
    fdb.close();
  }
}
