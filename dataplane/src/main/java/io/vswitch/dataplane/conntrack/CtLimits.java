package io.vswitch.dataplane.conntrack;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the table counts and bounds: connections per zone and per port against their limits, the
 * embryonic (unestablished) ones against their budget, entries in use, refusals by reason and
 * evictions. A count is reserved before an insert (an atomic increment, undone if it passed the
 * limit or the insert fails), so workers racing for the last room can never pass a limit; each is
 * given back exactly once, by whoever removes the entry.
 */
final class CtLimits {
  private final int embryonicLimit;
  private final AtomicInteger live = new AtomicInteger();
  private final AtomicInteger embryonic = new AtomicInteger();
  private final AtomicIntegerArray perZone = new AtomicIntegerArray(ConntrackTable.ZONES);
  private final AtomicIntegerArray perPort = new AtomicIntegerArray(ConntrackTable.MAX_PORTS);
  private final AtomicIntegerArray zoneLimit = new AtomicIntegerArray(ConntrackTable.ZONES);
  private final AtomicIntegerArray portLimit = new AtomicIntegerArray(ConntrackTable.MAX_PORTS);
  private final AtomicLongArray refusals = new AtomicLongArray(CtResult.VERDICTS);
  private final AtomicLong evictions = new AtomicLong();
  private final AtomicLong created = new AtomicLong();

  CtLimits(int embryonicLimit) {
    this.embryonicLimit = embryonicLimit;
    for (int z = 0; z < ConntrackTable.ZONES; z++) {
      zoneLimit.set(z, Integer.MAX_VALUE);
    }
    for (int p = 0; p < ConntrackTable.MAX_PORTS; p++) {
      portLimit.set(p, Integer.MAX_VALUE);
    }
  }

  private static boolean reserve(AtomicIntegerArray counts, AtomicIntegerArray limits, int i) {
    if (counts.getAndIncrement(i) >= limits.get(i)) {
      counts.getAndDecrement(i);
      return false;
    }
    return true;
  }

  boolean reservePort(int port) {
    return reserve(perPort, portLimit, port);
  }

  void releasePort(int port) {
    perPort.getAndDecrement(port);
  }

  boolean reserveZone(int zone) {
    return reserve(perZone, zoneLimit, zone);
  }

  void releaseZone(int zone) {
    perZone.getAndDecrement(zone);
  }

  /** One more embryonic entry, if the budget has room. */
  boolean reserveEmbryonic() {
    if (embryonic.getAndIncrement() < embryonicLimit) {
      return true;
    }
    embryonic.getAndDecrement();
    return false;
  }

  void releaseEmbryonic() {
    embryonic.getAndDecrement();
  }

  void added() {
    live.getAndIncrement();
    created.getAndIncrement();
  }

  /** An expired or closed entry starts over as a new connection. */
  void reused() {
    created.getAndIncrement();
  }

  long created() {
    return created.get();
  }

  /** An entry of {@code zone}, created on {@code port}, leaves the table. */
  void removed(int zone, int port, boolean wasEmbryonic) {
    live.getAndDecrement();
    perZone.getAndDecrement(zone);
    perPort.getAndDecrement(port);
    if (wasEmbryonic) {
      embryonic.getAndDecrement();
    }
  }

  void refused(int verdict) {
    refusals.getAndIncrement(verdict);
  }

  void evicted() {
    evictions.getAndIncrement();
  }

  void setZoneLimit(int zone, int limit) {
    zoneLimit.set(zone, limit);
  }

  void setPortLimit(int port, int limit) {
    portLimit.set(port, limit);
  }

  int live() {
    return live.get();
  }

  int embryonic() {
    return embryonic.get();
  }

  int embryonicLimit() {
    return embryonicLimit;
  }

  int zoneCount(int zone) {
    return perZone.get(zone);
  }

  int portCount(int port) {
    return perPort.get(port);
  }

  long refusals(int verdict) {
    return refusals.get(verdict);
  }

  long evictions() {
    return evictions.get();
  }
}
