package io.vswitch.dataplane.l2;

import io.vswitch.ffm.LargeTables;
import io.vswitch.ffm.NativeMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The forwarding database: (VLAN, MAC) → port, off-heap, shared by all workers, with no locks.
 *
 * <p>Open addressing with linear probing over 16-byte entries:
 *
 * <pre>
 *  0               8               16
 *  +---------------+---------------+
 *  | key           | value         |   key:   0 empty, 1 tombstone, else 1<<60 | vlan<<48 | mac
 *  +---------------+---------------+   value: port+1 (bits 0-15) | STATIC (bit 16) |
 *                                             last seen, seconds (bits 32-63); 0 = not yet set
 * </pre>
 *
 * <p>Why this shape: learning happens on every worker at line rate, so it must not lock, and a
 * lookup must be one or two cache lines. Keys are claimed with a CAS (so two workers learning the
 * same new MAC cannot both insert it in the same slot) and values are written with release stores;
 * a reader that sees a key before its value sees value 0 and floods, which is what a switch does
 * for an unknown MAC anyway. Entries never move.
 *
 * <p>Aging needs no writes on the fast path: an entry whose last-seen time is older than the aging
 * time is simply a miss. {@link #sweep} (control thread) turns such entries into tombstones so
 * their slots can be reused. Races between a sweep and a learn can leave a key in two slots;
 * lookups and updates always stop at the first, so the other is garbage that ages out. A learn that
 * loses such a race is redone by the next frame from that MAC.
 *
 * <p>A refresh writes only when the port changed (a MAC move takes effect at once) or the stored
 * time is at least a second old, so in steady state learning is read-only and workers do not bounce
 * each other's cache lines.
 */
public final class Fdb implements AutoCloseable {
  static final long EMPTY = 0;
  static final long TOMBSTONE = 1;
  private static final long KEY_MARK = 1L << 60;
  private static final long STATIC_BIT = 1L << 16;
  private static final int ENTRY_BYTES = 16;

  /** Ports whose learned entries are counted (port indexes are below this). */
  static final int MAX_PORTS = 1024;

  /** Slots looked at for an eviction victim beyond a full table's chain end: a bounded probe. */
  private static final int EVICT_WINDOW = 16;

  /**
   * Entry words are accessed by absolute address through the global segment ({@link
   * NativeMemory#ALL}), as CtEntries does: a VarHandle on the table's own shared-arena segment
   * checked the arena's liveness on every access (about 14 cycles a packet at l2-fair, stop 21).
   * The table outlives every worker: {@link L2Switch#close} frees it after they stopped.
   */
  private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

  private static final MemorySegment ALL = NativeMemory.ALL;

  /** Result of a lookup that found nothing (or only an aged entry). */
  public static final int MISS = -1;

  private final Arena arena = Arena.ofShared();

  /** The table's address: slot s's key word is at base + 16 s, its value word 8 bytes on. */
  private final long base;

  private final long mask;
  private final long maxFill;
  private volatile long agingSeconds;

  /**
   * The one thread allowed to change the table's control-side state (static entries, removals,
   * sweeps, flushes, the aging time) once the switch runs: the control agent. Null until bound, so
   * start-up code and tests use the table from any thread. The workers' learning is not affected.
   */
  private volatile Thread controlOwner;

  /**
   * Slots claimed (live, aged or tombstoned), bounded at 1.5 times the capacity (a load of 0.75 at
   * most) so probe chains stay short whatever the churn.
   */
  private final AtomicLong used = new AtomicLong();

  /** Keys in the table (learned, static or aged but not yet swept): what capacity bounds. */
  private final AtomicLong live = new AtomicLong();

  /**
   * Learned (not static) entries per port, for the per-port MAC limit. Kept up to date on insert,
   * move, age-out and removal; a move racing a sweep of the same entry can leave one off by one,
   * which only shifts that port's limit by one entry until the port is flushed.
   */
  private final AtomicIntegerArray learned = new AtomicIntegerArray(MAX_PORTS);

  /** Learned entries replaced by another port's new MAC while the table was full. */
  private final AtomicLong evictions = new AtomicLong();

  /**
   * Bumped after every change that can alter a lookup's answer (a key in or out, a port moved, a
   * static entry, the aging time), never by a refresh on the same port: a worker's {@link
   * L2FlowCache} keeps decisions made at one generation and drops them when it moves on. Bumped
   * after the change, so a reader that sees the new generation sees the change too.
   */
  private final AtomicLong generation = new AtomicLong();

  /**
   * @param capacity the most MACs the table holds, exactly (it gets at least twice as many slots,
   *     so probe chains stay short even when full)
   * @param agingSeconds how long a learned entry lives without being seen again
   */
  public Fdb(int capacity, long agingSeconds) {
    long slots = Long.highestOneBit(Math.max(16, (long) capacity * 2 - 1)) << 1;
    // On transparent huge pages: a learn or lookup lands on a random slot of a table of up to
    // tens of MB, and with 4 KiB pages nearly every one would also miss the TLB.
    this.base = LargeTables.allocate(arena, slots * ENTRY_BYTES).address();
    this.mask = slots - 1;
    this.maxFill = capacity;
    this.agingSeconds = agingSeconds;
  }

  /** The key of (vlan, mac): never EMPTY or TOMBSTONE thanks to the mark bit. */
  public static long key(int vlan, long mac) {
    return KEY_MARK | ((long) vlan << 48) | mac;
  }

  private long home(long key) {
    return ((key * 0x9E3779B97F4A7C15L) >>> 40) & mask;
  }

  private long keyAt(long slot) {
    return (long) LONG.getAcquire(ALL, base + slot * ENTRY_BYTES);
  }

  private long valueAt(long slot) {
    return (long) LONG.getAcquire(ALL, base + slot * ENTRY_BYTES + 8);
  }

  private void setValue(long slot, long value) {
    LONG.setRelease(ALL, base + slot * ENTRY_BYTES + 8, value);
  }

  private static long value(int port, long now, boolean isStatic) {
    return (now << 32) | (isStatic ? STATIC_BIT : 0) | (port + 1);
  }

  /**
   * Loads the first slot of the chain of each {@code keys[i]} whose bit i is set in {@code live},
   * and returns the sum of their words, for the caller to keep (so the loads stay): a learn pass
   * over a burst touches every source's slot first, in a loop of its own (a few instructions per
   * packet), so that the burst's misses overlap.
   */
  public long touch(long[] keys, int live) {
    long sum = 0;
    for (int m = live; m != 0; m &= m - 1) {
      sum += keyAt(home(keys[Integer.numberOfTrailingZeros(m)]));
    }
    return sum;
  }

  /** The port (vlan, mac) was last seen on, or {@link #MISS}. */
  public int lookup(long key, long nowSeconds) {
    long slot = find(key);
    if (slot < 0) {
      return MISS;
    }
    return liveEntryPort(valueAt(slot), nowSeconds);
  }

  private int liveEntryPort(long value, long nowSeconds) {
    int port = (int) (value & 0xFFFF) - 1;
    if (port < 0) {
      return MISS;
    }
    if ((value & STATIC_BIT) == 0 && nowSeconds - (value >>> 32) > agingSeconds) {
      return MISS;
    }
    return port;
  }

  private long find(long key) {
    long slot = home(key);
    for (long probes = 0; probes <= mask; probes++) {
      long k = keyAt(slot);
      if (k == key) {
        return slot;
      }
      if (k == EMPTY) {
        return -1;
      }
      slot = (slot + 1) & mask;
    }
    return -1;
  }

  /**
   * Records that (vlan, mac) was seen on {@code port} now. Returns false only when the table is
   * full (the MAC stays unknown and traffic to it floods). Static entries are never overwritten.
   */
  public boolean learn(long key, int port, long nowSeconds) {
    return learn(key, port, nowSeconds, Integer.MAX_VALUE);
  }

  /**
   * As {@link #learn(long, int, long)}, but a new MAC (or one moving here) is refused when {@code
   * port} already holds {@code limit} learned entries (port security's MAC limit): one port cannot
   * fill the table and turn the VLAN into a hub for everyone else. Refreshes are never refused.
   */
  public boolean learn(long key, int port, long nowSeconds, int limit) {
    long slot = home(key);
    long firstFree = -1;
    long victim = -1;
    int victimCount = 0;
    long victimSeen = Long.MAX_VALUE;
    for (long probes = 0; probes <= mask; probes++) {
      long k = keyAt(slot);
      if (k == key) {
        return refresh(slot, port, nowSeconds, limit);
      }
      if (k == TOMBSTONE && firstFree < 0) {
        firstFree = slot;
      } else if (k == EMPTY) {
        if (live.get() >= maxFill) {
          return victim >= 0
              ? evict(victim, key, port, nowSeconds, limit)
              : evictNearby(firstFree >= 0 ? firstFree : slot, key, port, nowSeconds, limit);
        }
        return insert(key, port, nowSeconds, firstFree >= 0 ? firstFree : slot, limit);
      } else if (firstFree < 0) {
        // Eviction candidate (used only when the table is full): a learned entry of the port that
        // holds the most, the oldest among those. Any slot before the chain's end lies on this
        // key's probe path, so the new key may take it; the walk is the one the learn does anyway.
        long v = valueAt(slot);
        int owner = (int) (v & 0xFFFF) - 1;
        if (owner >= 0 && (v & STATIC_BIT) == 0) {
          int count = learned.get(owner);
          if (count > victimCount || (count == victimCount && (v >>> 32) < victimSeen)) {
            victim = slot;
            victimCount = count;
            victimSeen = v >>> 32;
          }
        }
      }
      slot = (slot + 1) & mask;
    }
    return firstFree >= 0 && insert(key, port, nowSeconds, firstFree, limit);
  }

  /**
   * The table is full: the new key takes the slot of the chosen victim, but only when the victim's
   * port holds more learned entries than the learner's would after the learn (OVS: the port with
   * the most entries gives way), so a port flooding source MACs evicts its own entries and never a
   * quiet port's. The victim's value is zeroed first, so a reader in between sees a miss (and
   * floods) rather than the new key with the old port.
   */
  private boolean evict(long slot, long key, int port, long now, int limit) {
    long v = valueAt(slot);
    int owner = (int) (v & 0xFFFF) - 1;
    if (owner < 0
        || (v & STATIC_BIT) != 0
        || learned.get(port) >= limit
        || learned.get(owner) <= learned.get(port) + 1) {
      return false;
    }
    long k = keyAt(slot);
    if (k == EMPTY || k == TOMBSTONE || !claimValue(slot, v)) {
      return false;
    }
    if (!LONG.compareAndSet(ALL, base + slot * ENTRY_BYTES, k, key)) {
      restoreValue(slot, v);
      return false;
    }
    learned.getAndDecrement(owner);
    learned.getAndIncrement(port);
    evictions.getAndIncrement();
    setValue(slot, value(port, now, false));
    changed();
    return true;
  }

  /**
   * The table is full and this key's chain (short at half load) holds no candidate: the victim is
   * sought in the next {@link #EVICT_WINDOW} slots instead, turned into a tombstone (which any
   * chain may cross), and the new key takes the EMPTY slot that ends its own chain. Live entries
   * stay at capacity; claimed slots may exceed it, up to 1.5 times (the tombstones are reused by
   * later learns or given back by the next sweep), which keeps probe chains bounded.
   */
  private boolean evictNearby(long free, long key, int port, long now, int limit) {
    long expected = keyAt(free);
    if (expected != EMPTY && expected != TOMBSTONE) {
      return learn(key, port, now, limit); // another worker filled the slot since the walk
    }
    if (learned.get(port) >= limit || (expected == EMPTY && usedSlots() >= maxFill + maxFill / 2)) {
      return false;
    }
    long victim = -1;
    int victimCount = learned.get(port) + 1; // only a port holding more than the learner gives way
    long slot = (free + 1) & mask;
    for (int n = 0; n < EVICT_WINDOW; n++, slot = (slot + 1) & mask) {
      long v = valueAt(slot);
      int owner = (int) (v & 0xFFFF) - 1;
      if (owner >= 0 && (v & STATIC_BIT) == 0 && learned.get(owner) > victimCount) {
        victim = slot;
        victimCount = learned.get(owner);
      }
    }
    if (victim < 0) {
      return false;
    }
    long v = valueAt(victim);
    long k = keyAt(victim);
    int owner = (int) (v & 0xFFFF) - 1;
    if (k == EMPTY || k == TOMBSTONE || owner < 0 || !claimValue(victim, v)) {
      return false;
    }
    if (!LONG.compareAndSet(ALL, base + victim * ENTRY_BYTES, k, TOMBSTONE)) {
      restoreValue(victim, v);
      return false;
    }
    learned.getAndDecrement(owner);
    evictions.getAndIncrement();
    changed(); // the victim is gone even if the new key loses its slot below
    // The victim's room passes to the new key without going through the live count, so no other
    // learn can take it in between and push the table past capacity.
    if (!LONG.compareAndSet(ALL, base + free * ENTRY_BYTES, expected, key)) {
      live.getAndDecrement();
      return learn(key, port, now, limit); // lost the slot: the freed room is there for the retry
    }
    if (expected == EMPTY) {
      used.getAndIncrement();
    }
    learned.getAndIncrement(port);
    setValue(free, value(port, now, false));
    changed();
    return true;
  }

  /**
   * First half of taking a slot from its entry: its value goes from {@code v} to 0, which every
   * other learner reads as "in flight, leave it alone".
   */
  private boolean claimValue(long slot, long v) {
    return LONG.compareAndSet(ALL, base + slot * ENTRY_BYTES + 8, v, 0L);
  }

  /**
   * The key changed between reading it and claiming the value: another entry with the same value
   * (same port, same second) took the slot in between. Its value goes back, or the entry would stay
   * in the table with no port, counted on its port but never found (nobody else changes a zero
   * value of a live key: eviction needs a non-zero one, insertion an empty slot).
   */
  private void restoreValue(long slot, long v) {
    LONG.compareAndSet(ALL, base + slot * ENTRY_BYTES + 8, 0L, v);
  }

  /** The change count lookups' answers depend on (see {@link #generation}'s field). */
  public long generation() {
    return generation.get();
  }

  private void changed() {
    generation.incrementAndGet();
  }

  /** Entries evicted to make room in a full table since start. */
  public long evictions() {
    return evictions.get();
  }

  private boolean refresh(long slot, int port, long now, int limit) {
    long old = valueAt(slot);
    if ((old & STATIC_BIT) != 0) {
      return true;
    }
    if (old == 0) {
      // Another worker is inserting this key (or evicting the entry) and has counted it already;
      // claiming the zero value here would count the entry on two ports. The next frame learns.
      return true;
    }
    int oldPort = (int) (old & 0xFFFF) - 1;
    // Value updates are CASes so that only one of two workers racing on the same entry (a MAC
    // flapping between ports) wins and moves the per-port counts; the loser's frame is simply
    // not learned, and the next one from that MAC tries again.
    if (oldPort != port) {
      if (learned.get(port) >= limit) {
        return false;
      }
      if (LONG.compareAndSet(ALL, base + slot * ENTRY_BYTES + 8, old, value(port, now, false))) {
        learned.getAndIncrement(port);
        if (oldPort >= 0) {
          learned.getAndDecrement(oldPort);
        }
        changed();
      }
    } else if (now - (old >>> 32) >= 1) {
      LONG.compareAndSet(ALL, base + slot * ENTRY_BYTES + 8, old, value(port, now, false));
    }
    return true;
  }

  private boolean insert(long key, int port, long now, long slot, int limit) {
    if (learned.get(port) >= limit) {
      return false;
    }
    long expected = keyAt(slot);
    if (expected != EMPTY && expected != TOMBSTONE) {
      // Another worker filled the slot since the walk: a CAS from its key would overwrite a live
      // entry (still counted on its port), so walk again instead.
      return learn(key, port, now, limit);
    }
    if (expected == EMPTY && usedSlots() >= maxFill + maxFill / 2) {
      return false;
    }
    if (live.getAndIncrement() >= maxFill) { // reserve room first: capacity is exact under races
      live.getAndDecrement();
      return false;
    }
    if (!LONG.compareAndSet(ALL, base + slot * ENTRY_BYTES, expected, key)) {
      live.getAndDecrement();
    } else {
      if (expected == EMPTY) {
        used.getAndIncrement();
      }
      learned.getAndIncrement(port);
      setValue(slot, value(port, now, false));
      changed();
      return true;
    }
    return learn(key, port, now, limit); // another worker took the slot: start over
  }

  /** Learned entries of {@code port} (aged ones included until a sweep removes them). */
  public int learnedOn(int port) {
    return learned.get(port);
  }

  /** Gives back the per-port count of a learned entry that is being removed. */
  private void forget(long value) {
    int port = (int) (value & 0xFFFF) - 1;
    if (port >= 0 && (value & STATIC_BIT) == 0) {
      learned.getAndDecrement(port);
    }
  }

  private long usedSlots() {
    return used.get();
  }

  /**
   * From now on only {@code owner} may call the control operations; any other thread gets an {@link
   * IllegalStateException}: two control threads racing on sweeps and removals is a bug.
   */
  public void bindControlThread(Thread owner) {
    this.controlOwner = owner;
  }

  /**
   * Throws unless the caller may change the table (the bound control thread, or any while unbound):
   * for callers that must know before they start a change, not half-way through it.
   */
  public void requireControlThread(String operation) {
    Thread owner = controlOwner;
    if (owner != null && Thread.currentThread() != owner) {
      throw new IllegalStateException(
          "FDB "
              + operation
              + " on thread '"
              + Thread.currentThread().getName()
              + "': only the control agent '"
              + owner.getName()
              + "' may change the FDB");
    }
  }

  /** Installs a static entry: never ages, never moved by learning. Control thread only. */
  public void addStatic(int vlan, long mac, int port) {
    requireControlThread("addStatic");
    long key = key(vlan, mac);
    if (!learn(key, port, 0)) {
      throw new IllegalStateException("FDB full: cannot add static entry");
    }
    long slot = find(key);
    forget(valueAt(slot));
    setValue(slot, value(port, 0, true));
    changed();
  }

  /** Removes (vlan, mac) whatever its kind. Control thread only. */
  public boolean remove(int vlan, long mac) {
    requireControlThread("remove");
    long slot = find(key(vlan, mac));
    if (slot < 0) {
      return false;
    }
    forget(valueAt(slot));
    live.getAndDecrement();
    setValue(slot, 0);
    LONG.setRelease(ALL, base + slot * ENTRY_BYTES, TOMBSTONE);
    changed();
    return true;
  }

  /**
   * Turns aged entries into tombstones, then gives back to EMPTY every tombstone that ends a probe
   * chain (its successor is EMPTY, so no key lies beyond it), walking backwards so whole dead tails
   * empty in one pass. Without the second step tombstones would only be reused by keys whose chains
   * happen to cross them, and churn would fill the table. Returns the entries aged out. Runs on the
   * control thread, concurrently with learning: every change is a CAS, and the one race (a learn
   * that claims the EMPTY successor just as its predecessor empties) can only hide that one entry
   * until the next frame from that MAC learns it again.
   */
  public int sweep(long nowSeconds) {
    requireControlThread("sweep");
    int aged = 0;
    for (long slot = 0; slot <= mask; slot++) {
      long k = keyAt(slot);
      if (k != EMPTY && k != TOMBSTONE) {
        long v = valueAt(slot);
        if (v != 0
            && liveEntryPort(v, nowSeconds) == MISS
            && LONG.compareAndSet(ALL, base + slot * ENTRY_BYTES, k, TOMBSTONE)) {
          forget(v);
          live.getAndDecrement();
          aged++;
        }
      }
    }
    for (long slot = mask; slot >= 0; slot--) {
      if (keyAt(slot) == TOMBSTONE
          && keyAt((slot + 1) & mask) == EMPTY
          && LONG.compareAndSet(ALL, base + slot * ENTRY_BYTES, TOMBSTONE, EMPTY)) {
        used.getAndDecrement();
      }
    }
    if (aged > 0) {
      changed(); // aged entries already missed; the generation moves for the record only
    }
    return aged;
  }

  /** Removes every learned entry of {@code port} (a port going away). Control thread only. */
  public int flushPort(int port) {
    requireControlThread("flushPort");
    int removed = 0;
    for (long slot = 0; slot <= mask; slot++) {
      long k = keyAt(slot);
      long v = valueAt(slot);
      if (k != EMPTY && k != TOMBSTONE && (int) (v & 0xFFFF) - 1 == port) {
        forget(v);
        live.getAndDecrement();
        setValue(slot, 0);
        LONG.setRelease(ALL, base + slot * ENTRY_BYTES, TOMBSTONE);
        removed++;
      }
    }
    if (removed > 0) {
      changed();
    }
    return removed;
  }

  /** Live entries, for `show`/metrics; walks the table. */
  public int size(long nowSeconds) {
    int live = 0;
    for (long slot = 0; slot <= mask; slot++) {
      long k = keyAt(slot);
      if (k != EMPTY && k != TOMBSTONE && liveEntryPort(valueAt(slot), nowSeconds) != MISS) {
        live++;
      }
    }
    return live;
  }

  /** Visits every live entry (dump FDB). Control thread. */
  public void forEach(long nowSeconds, EntryVisitor visitor) {
    for (long slot = 0; slot <= mask; slot++) {
      long k = keyAt(slot);
      if (k == EMPTY || k == TOMBSTONE) {
        continue;
      }
      long v = valueAt(slot);
      int port = liveEntryPort(v, nowSeconds);
      if (port != MISS) {
        int vlan = (int) ((k >>> 48) & 0xFFF);
        long age = (v & STATIC_BIT) != 0 ? -1 : nowSeconds - (v >>> 32);
        visitor.visit(vlan, k & 0xFFFF_FFFF_FFFFL, port, age);
      }
    }
  }

  /** One FDB entry; age -1 marks a static entry. */
  @FunctionalInterface
  public interface EntryVisitor {
    void visit(int vlan, long mac, int port, long ageSeconds);
  }

  public long slots() {
    return mask + 1;
  }

  public long agingSeconds() {
    return agingSeconds;
  }

  /** Changes the aging time; lookups use the new one from their next call. Control thread. */
  public void setAgingSeconds(long seconds) {
    requireControlThread("setAgingSeconds");
    this.agingSeconds = seconds;
    changed();
  }

  @Override
  public void close() {
    arena.close();
  }
}
