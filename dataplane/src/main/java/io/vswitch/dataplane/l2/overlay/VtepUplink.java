package io.vswitch.dataplane.l2.overlay;

import io.vswitch.dataplane.l2.L2Tables;
import io.vswitch.dataplane.port.Port;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;

/**
 * The port the tunnel ports send on ({@link VxlanPort}'s uplink), at each burst: the slot the
 * published overlay's {@link VxlanOverlay#carrier()} names now (the VTEP's port, or its team's
 * carrying member, so encapsulated frames move at once when the team fails over), looked up among
 * the ports opened so far. On the workers: two volatile loads and an array read, no allocation.
 */
public final class VtepUplink implements Supplier<Port> {
  private final Supplier<L2Tables> tables;
  private final AtomicReferenceArray<Port> bySlot = new AtomicReferenceArray<>(L2Tables.MAX_PORTS);

  /**
   * @param tables the tables the workers use now
   */
  public VtepUplink(Supplier<L2Tables> tables) {
    this.tables = tables;
  }

  /** A port was opened (or reopened) in its slot. Control thread. */
  public void opened(Port port) {
    if (port.index() >= 0 && port.index() < L2Tables.MAX_PORTS) {
      bySlot.set(port.index(), port);
    }
  }

  /** The port the VTEP sends by now, or null (no carrier, or not open). */
  @Override
  public Port get() {
    int slot = tables.get().overlay().carrier();
    return slot < 0 ? null : bySlot.get(slot);
  }
}
