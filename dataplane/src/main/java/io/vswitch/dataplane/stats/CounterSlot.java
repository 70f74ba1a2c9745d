package io.vswitch.dataplane.stats;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One worker's counters for one port, in the shared counter file. Single writer: only the owning
 * worker calls the add methods, so they need no atomics (see {@link CounterFile}).
 */
public final class CounterSlot {
  private static final int DROP_BASE = PortCounter.values().length;
  private final MemorySegment slot;

  CounterSlot(MemorySegment slot) {
    this.slot = slot;
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
    long offset = 8L * index;
    slot.set(ValueLayout.JAVA_LONG, offset, slot.get(ValueLayout.JAVA_LONG, offset) + delta);
  }
}
