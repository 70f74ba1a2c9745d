package io.vswitch.dataplane.stats;

import io.vswitch.ffm.NativeMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One worker's counters for one port, in the shared counter file. Single writer: only the owning
 * worker calls the add methods, so they need no atomics (see {@link CounterFile}).
 *
 * <p>The adds go to the slot's raw address through {@link NativeMemory#ALL}: through the file's own
 * segment every add would check that its shared arena is still open, a load and a branch per
 * counter that a burst pays several times. The file is unmapped only after the workers stopped
 * ({@link io.vswitch.dataplane.SwitchRuntime#closeAndCountLeaks}), as the ports are closed only
 * then. Reads stay on the checked segment: monitoring may race a close.
 */
public final class CounterSlot {
  private static final int DROP_BASE = PortCounter.values().length;
  private final MemorySegment slot;
  private final long address;

  CounterSlot(MemorySegment slot) {
    this.slot = slot;
    this.address = slot.address();
  }

  public void add(PortCounter counter, long delta) {
    addAt(counter.ordinal(), delta);
  }

  public void addDrop(DropReason reason, long delta) {
    addAt(DROP_BASE + reason.ordinal(), delta);
  }

  public long get(PortCounter counter) {
    return slot.get(ValueLayout.JAVA_LONG, 8L * counter.ordinal());
  }

  public long get(DropReason reason) {
    return slot.get(ValueLayout.JAVA_LONG, 8L * (DROP_BASE + reason.ordinal()));
  }

  private void addAt(int index, long delta) {
    long counter = address + 8L * index;
    NativeMemory.putLong(counter, NativeMemory.getLong(counter) + delta);
  }
}
