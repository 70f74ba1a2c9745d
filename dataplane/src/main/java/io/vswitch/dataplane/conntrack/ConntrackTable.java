package io.vswitch.dataplane.conntrack;

import io.vswitch.ffm.LargeTables;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Connection tracking: per-zone connections keyed by the 5-tuple (IPv4 and IPv6), shared by every
 * worker without locks, off-heap.
 *
 * <p>Shape: a hash index of 8-byte slots (at least four per entry, so chains stay short) points
 * into {@link CtEntries}, exactly {@code capacity} 128-byte entries. A slot is 0 (empty), -1
 * (tombstone) or {@code hash tag:32 | entry + 1}; a lookup is one index cache line plus the entry's
 * first, and the tag spares reading entries that cannot match.
 *
 * <p>Key: (zone, protocol, the two (address, port) ends, ordered so the lower end is A), so both
 * directions of a connection find one entry; the entry remembers which end opened it, and a
 * packet's direction is whether it comes from that end. The hash is seeded per table (a random
 * seed) so a sender cannot aim a flood of tuples at one chain.
 *
 * <p>The two steps a packet takes (OVS's ct() then ct(commit)): {@link #track} classifies it (NEW,
 * ESTABLISHED, RELATED, INVALID, ...) and moves the connection it belongs to on; it never creates
 * one. {@link #commit} creates the connection for a NEW packet once policy allowed it, so a packet
 * the policy drops leaves no state.
 *
 * <p>Insertion only ever fills EMPTY slots, by CAS, in chain order; two workers committing the same
 * new tuple therefore meet: the loser's CAS fails on, or its walk reaches, the winner's slot, and
 * it gives its entry back and updates the winner's. Tombstones are never refilled by inserts; the
 * control thread's {@link #sweep} turns those that end a chain back into EMPTY. A sweep emptying a
 * slot and an insert landing just behind it could leave the new entry beyond an EMPTY slot, so each
 * checks the other's side after its CAS (the sweep its successor, the insert the slots it walked)
 * and puts a tombstone back: one of the two always sees the other. Until the sweep's re-check is
 * done the slot it emptied reads EMPTY with an entry beyond it, so a walk that meets EMPTY there
 * crosses it instead of stopping ({@code crossing}).
 *
 * <p>Expiry: an entry whose deadline passed is a miss for {@link #track} at once (no sweep needed
 * on the fast path); its slot is reclaimed by {@link #commit} of the same tuple (in place), by an
 * early drop when the table is full, or by {@link #sweep}, which walks the index a budget of slots
 * at a time.
 *
 * <p>Limits: total capacity (the entries), per zone and per port (counts reserved before an insert
 * and given back on failure, so racing workers cannot pass them), and an embryonic budget: entries
 * that have not become established (TCP before the handshake's end, UDP/ICMP before a reply) count
 * against it and are the only ones ever evicted, so a SYN flood fills at most the budget and never
 * takes an established connection's room. Each refusal is counted by reason.
 */
public final class ConntrackTable implements AutoCloseable {
  /** Ports whose connections are counted and limited (port indexes are below this). */
  public static final int MAX_PORTS = 1024;

  public static final int ZONES = 1 << 16;

  static final long EMPTY = 0;
  static final long TOMBSTONE = -1;

  // Entry flags.
  static final int INITIATOR_B = 1;
  static final int REPLIED = 2;
  static final int EMBRYONIC = 4;

  /** State of a non-TCP entry. */
  static final int OPEN = 10;

  private static final long KEY_MARK = 1L << 63;
  private static final long KEY_V6 = 1L << 62;

  /** Slots an early drop looks at from a key's home for a victim. */
  private static final int EVICT_WINDOW = 32;

  /** Result of an internal step that lost a race: redo it from the lookup. */
  private static final int RETRY = -1;

  private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

  private final Arena arena = Arena.ofShared();
  private final MemorySegment index;
  private final long mask;
  private final long seed;
  private final CtEntries entries;
  private volatile CtTimeouts timeouts;

  private final CtLimits limits;

  /** Non-empty index slots (entries and tombstones): inserts stop at 3/4 of the index. */
  private final AtomicLong usedSlots = new AtomicLong();

  // Control thread only.
  private volatile Thread controlOwner;
  private long sweepCursor;

  /**
   * The slot the sweep is emptying, or -1: written by the control thread, read by walks that meet
   * an EMPTY slot. Its own object, so the sweep's writes do not evict the line of this table's
   * fields that every lookup reads.
   */
  private final AtomicLong sweeping = new AtomicLong(-1);

  private final CtPacket controlKey = new CtPacket();
  private final CtEntryView view = new CtEntryView();

  /**
   * @param capacity connections held at most, exactly
   * @param embryonicLimit of those, how many may be unestablished at once
   */
  public ConntrackTable(int capacity, int embryonicLimit, CtTimeouts timeouts) {
    if (embryonicLimit < 1 || embryonicLimit > capacity) {
      throw new IllegalArgumentException("embryonic limit 1.." + capacity);
    }
    this.entries = new CtEntries(capacity);
    long slots = Long.highestOneBit(Math.max(64, (long) capacity * 4 - 1)) << 1;
    this.index = LargeTables.allocate(arena, slots * 8);
    this.mask = slots - 1;
    this.seed = new SecureRandom().nextLong() | 1;
    this.limits = new CtLimits(embryonicLimit);
    this.timeouts = timeouts;
  }

  /** A table of {@code capacity} with a quarter of it for embryonic entries, Linux's timeouts. */
  public ConntrackTable(int capacity) {
    this(capacity, Math.max(1, capacity / 4), CtTimeouts.DEFAULTS);
  }

  // ---------------------------------------------------------------- per packet (workers)

  /**
   * Classifies {@code p} (arrived on {@code port} in {@code zone}) and, when it belongs to a
   * tracked connection, moves that connection on (TCP state and windows, expiry, counters). Never
   * creates a connection: a NEW result without an entry needs {@link #commit}. Returns a {@link
   * CtResult}.
   */
  public int track(int zone, int port, CtPacket p, long now) {
    switch (p.kind) {
      case CtPacket.TUPLE:
        break;
      case CtPacket.ICMP_ERROR:
        return related(zone, p, now);
      case CtPacket.UNTRACKED:
        return CtResult.UNTRACKED;
      case CtPacket.FRAGMENT:
        return CtResult.FRAGMENT;
      default:
        return CtResult.INVALID;
    }
    if (p.keyedZone != zone + 1) {
      key(p, zone, p.srcHi, p.srcLo, p.srcPort, p.dstHi, p.dstLo, p.dstPort, p.protocol);
    }
    CtSnapshot s = p.snapshot;
    for (; ; ) {
      int e = find(p, s);
      if (e < 0 || s.expires - now <= 0) {
        return miss(p);
      }
      int r = update(e, p, s, now);
      if (r != RETRY) {
        return r;
      }
    }
  }

  /**
   * Optional first pass over a burst: computes {@code p}'s key and loads its home index slot and
   * the entry it points to, without using them. On a large table each lookup misses the caches two
   * or three times, and a packet's commit (a CAS) keeps the CPU from overlapping those misses with
   * the next packet's; a pass over the whole burst first lets the 32 lookups' misses overlap, and
   * {@link #track} then finds its lines in cache (and the key computed here). Returns what it read,
   * for the caller to sum into a value it uses, so the loads stay.
   */
  public long prefetch(int zone, CtPacket p) {
    if (p.kind != CtPacket.TUPLE) {
      return 0;
    }
    key(p, zone, p.srcHi, p.srcLo, p.srcPort, p.dstHi, p.dstLo, p.dstPort, p.protocol);
    p.keyedZone = zone + 1;
    long v = slotAt(p.hash & mask);
    return v == EMPTY || v == TOMBSTONE ? v : v + entries.touch((int) v - 1);
  }

  /**
   * {@link #prefetch} for the live packets of a burst ({@code live}: bit i for {@code packets[i]},
   * in zone {@code zones[i]}), in three loops: every key and hash first (arithmetic only), then the
   * index slots, then the entries they name. The loads get loops of their own, a few instructions
   * per packet, so the CPU's window holds a whole burst's of them and their misses overlap; woven
   * into the hashing, as one loop per packet, two or three were in flight at a time and the slot
   * loads were a fifth of the stateful row's samples. Returns what it read, as {@link #prefetch}.
   */
  public long prefetch(CtPacket[] packets, int[] zones, int live) {
    for (int m = live; m != 0; m &= m - 1) {
      int i = Integer.numberOfTrailingZeros(m);
      CtPacket p = packets[i];
      if (p.kind == CtPacket.TUPLE) {
        int zone = zones[i];
        key(p, zone, p.srcHi, p.srcLo, p.srcPort, p.dstHi, p.dstLo, p.dstPort, p.protocol);
        p.keyedZone = zone + 1;
      }
    }
    long sum = 0;
    for (int m = live; m != 0; m &= m - 1) {
      CtPacket p = packets[Integer.numberOfTrailingZeros(m)];
      if (p.kind == CtPacket.TUPLE) {
        long v = slotAt(p.hash & mask);
        p.homeSlot = v;
        sum += v;
      }
    }
    for (int m = live; m != 0; m &= m - 1) {
      CtPacket p = packets[Integer.numberOfTrailingZeros(m)];
      long v = p.homeSlot;
      if (p.kind == CtPacket.TUPLE && v != EMPTY && v != TOMBSTONE) {
        sum += entries.touch((int) v - 1);
      }
    }
    return sum;
  }

  /**
   * Creates the connection of a NEW packet that policy allowed: call it with the same packet right
   * after {@link #track} returned NEW without an entry ({@code CtResult.entry(r) < 0}); a NEW with
   * an entry belongs to an unreplied connection that track already moved on, and committing it
   * again would count it twice. If another worker created it meanwhile, updates that one instead.
   * Returns NEW with the entry, INVALID for a packet that cannot open a connection, or a REFUSED_*
   * code (counted, see {@link #refusals}).
   *
   * <p>The key {@link #prefetch} computed is still in the packet after {@link #track} (a TUPLE's
   * track only reads it), so a commit of the same burst normalises and hashes nothing again; fields
   * of a packet written directly after its prefetch need a new prefetch (or a setter) first.
   */
  public int commit(int zone, int port, CtPacket p, long now) {
    if (p.kind != CtPacket.TUPLE) {
      return track(zone, port, p, now);
    }
    if (p.keyedZone != zone + 1) { // the burst's prefetch keyed it, and track left the key there
      key(p, zone, p.srcHi, p.srcLo, p.srcPort, p.dstHi, p.dstLo, p.dstPort, p.protocol);
    }
    if (miss(p) != CtResult.NEW) {
      return CtResult.INVALID;
    }
    CtSnapshot s = p.snapshot;
    int tag = (int) (p.hash >>> 32);
    long home = p.hash & mask;
    for (; ; ) {
      long slot = home;
      int r = RETRY;
      boolean found = false;
      for (long n = 0; n <= mask; n++, slot = (slot + 1) & mask) {
        long v = slotAt(slot);
        if (v == EMPTY && (v = crossing(slot)) == EMPTY) {
          break;
        }
        if (v != TOMBSTONE && (int) (v >>> 32) == tag && entries.read((int) v - 1, p, s)) {
          int e = (int) v - 1;
          found = true;
          r =
              s.expires - now <= 0 || reopens(p, s)
                  ? reuse(e, port, p, s, now)
                  : update(e, p, s, now);
          break;
        }
      }
      if (!found) {
        r = insert(zone, port, p, s, now, home, slot, null);
      }
      if (r != RETRY) {
        if (CtResult.isRefused(r)) {
          limits.refused(CtResult.verdict(r));
        }
        return r;
      }
    }
  }

  /** An ICMP error: RELATED to the connection of the packet it quotes, if any. */
  private int related(int zone, CtPacket p, long now) {
    // The error goes back to the quoted packet's sender; one aimed elsewhere is forged.
    if (p.dstHi != p.innerSrcHi || p.dstLo != p.innerSrcLo) {
      return CtResult.INVALID;
    }
    key(
        p,
        zone,
        p.innerSrcHi,
        p.innerSrcLo,
        p.innerSrcPort,
        p.innerDstHi,
        p.innerDstLo,
        p.innerDstPort,
        p.innerProtocol);
    CtSnapshot s = p.snapshot;
    int e = find(p, s);
    if (e < 0 || s.expires - now <= 0) {
      return CtResult.INVALID;
    }
    boolean quotedIsReply = p.fromB != s.has(INITIATOR_B);
    return CtResult.of(CtResult.RELATED, !quotedIsReply, e);
  }

  /** The result for a packet whose connection is not in the table. */
  private static int miss(CtPacket p) {
    return switch (p.protocol) {
      case CtPacket.TCP -> TcpTracker.opens(p) ? CtResult.NEW : CtResult.INVALID;
      case CtPacket.ICMP, CtPacket.ICMPV6 -> echoRequest(p) ? CtResult.NEW : CtResult.INVALID;
      default -> CtResult.NEW;
    };
  }

  private static boolean echoRequest(CtPacket p) {
    return p.icmpType == (p.protocol == CtPacket.ICMP ? 8 : 128);
  }

  private static boolean reopens(CtPacket p, CtSnapshot s) {
    return p.protocol == CtPacket.TCP
        && (s.state == TcpTracker.TIME_WAIT || s.state == TcpTracker.CLOSE)
        && TcpTracker.opens(p);
  }

  /**
   * Applies {@code p} to live entry {@code e} (read into {@code s}); RETRY if another came first.
   */
  private int update(int e, CtPacket p, CtSnapshot s, long now) {
    int dir = p.fromB == s.has(INITIATOR_B) ? 0 : 1;
    boolean wasEmbryonic = s.has(EMBRYONIC);
    CtTimeouts t = timeouts;
    long timeout;
    if (p.protocol == CtPacket.TCP) {
      int r = TcpTracker.update(s, dir, p);
      if (r != TcpTracker.OK) {
        // Judged on a consistent snapshot; if it is already stale, judge again on the new state.
        if (entries.seq(e) != s.seq) {
          return RETRY;
        }
        return r == TcpTracker.REOPEN ? CtResult.NEW : CtResult.INVALID;
      }
      if (s.state >= TcpTracker.ESTABLISHED && s.state <= TcpTracker.TIME_WAIT) {
        s.flags &= ~EMBRYONIC;
      }
      timeout = t.tcpMillis(s.state);
    } else {
      if ((p.protocol == CtPacket.ICMP || p.protocol == CtPacket.ICMPV6)
          && echoRequest(p) != (dir == 0)) {
        return CtResult.INVALID; // requests one way, replies the other
      }
      if (dir == 1) {
        s.flags &= ~EMBRYONIC;
      }
      timeout =
          1000
              * switch (p.protocol) {
                case CtPacket.UDP -> dir == 1 || s.has(REPLIED) ? t.udpReplied() : t.udpUnreplied();
                case CtPacket.ICMP, CtPacket.ICMPV6 -> t.icmp();
                default -> t.generic();
              };
    }
    if (dir == 1) {
      s.flags |= REPLIED;
    }
    s.packets[dir]++;
    s.bytes[dir] += p.length;
    s.expires = now + timeout;
    if (!entries.commit(e, s)) {
      return RETRY;
    }
    if (wasEmbryonic && !s.has(EMBRYONIC)) {
      limits.releaseEmbryonic();
    }
    return CtResult.of(s.has(REPLIED) ? CtResult.ESTABLISHED : CtResult.NEW, dir == 1, e);
  }

  /** A fresh connection's state from its first packet, into {@code s} (its seq is kept). */
  private void init(CtSnapshot s, CtPacket p, int port, long now) {
    s.flags = EMBRYONIC | (p.fromB ? INITIATOR_B : 0);
    s.port = port;
    s.createdSeconds = (int) (now / 1000);
    s.packets[0] = 1;
    s.bytes[0] = p.length;
    s.packets[1] = 0;
    s.bytes[1] = 0;
    CtTimeouts t = timeouts;
    if (p.protocol == CtPacket.TCP) {
      TcpTracker.open(s, p);
      s.expires = now + t.tcpMillis(TcpTracker.SYN_SENT);
    } else {
      s.state = OPEN;
      for (int d = 0; d < 2; d++) {
        s.end[d] = 0;
        s.maxend[d] = 0;
        s.maxwin[d] = 0;
        s.scale[d] = 0;
        s.dflags[d] = 0;
      }
      s.expires =
          now
              + 1000
                  * switch (p.protocol) {
                    case CtPacket.UDP -> t.udpUnreplied();
                    case CtPacket.ICMP, CtPacket.ICMPV6 -> t.icmp();
                    default -> t.generic();
                  };
    }
  }

  /**
   * The tuple's entry expired, or a SYN reopens a closed TCP connection: the entry starts over in
   * place (its index slot is the tuple's already). The zone is the same (it is in the key); the
   * port and embryonic counts move as a new connection's would, limits included.
   */
  private int reuse(int e, int port, CtPacket p, CtSnapshot s, long now) {
    int oldPort = s.port;
    boolean oldEmbryonic = s.has(EMBRYONIC);
    boolean portMoves = oldPort != port;
    if (portMoves && !limits.reservePort(port)) {
      return CtResult.REFUSED_PORT;
    }
    long home = p.hash & mask;
    if (!oldEmbryonic && !reserveEmbryonic(p, home, now)) {
      if (portMoves) {
        limits.releasePort(port);
      }
      return CtResult.REFUSED_EMBRYONIC;
    }
    long seq = s.seq;
    init(s, p, port, now);
    s.seq = seq;
    if (!entries.commit(e, s)) {
      if (portMoves) {
        limits.releasePort(port);
      }
      if (!oldEmbryonic) {
        limits.releaseEmbryonic();
      }
      return RETRY;
    }
    if (portMoves) {
      limits.releasePort(oldPort);
    }
    limits.reused();
    return CtResult.of(CtResult.NEW, false, e);
  }

  /**
   * No entry holds the tuple: take a free entry (limits first), fill it, and publish it in the
   * first EMPTY slot of its chain, from {@code slot} on.
   */
  private int insert(
      int zone,
      int port,
      CtPacket p,
      CtSnapshot s,
      long now,
      long home,
      long slot,
      CtEntryView imported) {
    if (usedSlots.get() >= (mask + 1) / 4 * 3) {
      return CtResult.REFUSED_FULL; // tombstones pile up faster than sweeps give them back
    }
    if (!limits.reservePort(port)) {
      return CtResult.REFUSED_PORT;
    }
    if (!limits.reserveZone(zone)) {
      limits.releasePort(port);
      return CtResult.REFUSED_ZONE;
    }
    // An imported connection never evicts one of this host's: it takes only free room.
    boolean embryonic = imported == null || imported.embryonic;
    if (embryonic
        && !(imported == null ? reserveEmbryonic(p, home, now) : limits.reserveEmbryonic())) {
      limits.releasePort(port);
      limits.releaseZone(zone);
      return CtResult.REFUSED_EMBRYONIC;
    }
    int e = entries.allocate();
    if (e < 0 && imported == null && reclaim(p.spare, home, now, false)) {
      e = entries.allocate();
    }
    if (e < 0) {
      limits.releasePort(port);
      limits.releaseZone(zone);
      if (embryonic) {
        limits.releaseEmbryonic();
      }
      return CtResult.REFUSED_FULL;
    }
    if (imported == null) {
      init(s, p, port, now);
    } else {
      adopt(s, p, port, imported, now);
    }
    entries.fill(e, p, s);
    limits.added();
    long value = ((p.hash >>> 32) << 32) | (e + 1L);
    int tag = (int) (p.hash >>> 32);
    CtSnapshot other = p.snapshot;
    for (long n = 0; n <= mask; n++) {
      long v = slotAt(slot);
      if (v == EMPTY) {
        if (LONG.compareAndSet(index, slot * 8, EMPTY, value)) {
          usedSlots.getAndIncrement();
          repairPath(home, slot);
          return CtResult.of(CtResult.NEW, false, e);
        }
        continue; // another insert took it: look at what it put there
      }
      if (v != TOMBSTONE && (int) (v >>> 32) == tag && entries.read((int) v - 1, p, other)) {
        // Another worker committed the same tuple first: ours goes back, theirs is updated.
        release(p.k0, port, embryonic);
        entries.free(e); // never published: no reader can hold it
        return RETRY;
      }
      slot = (slot + 1) & mask;
    }
    release(p.k0, port, embryonic);
    entries.free(e);
    return CtResult.REFUSED_FULL;
  }

  /**
   * After publishing at {@code slot}: any slot on the walk from {@code home} that a concurrent
   * sweep emptied meanwhile becomes a tombstone again, so the new entry stays reachable. Backwards,
   * the order the sweep empties in: the sweep empties a slot only while its successor is EMPTY and
   * re-checks that successor after its CAS, so whichever of the two comes second sees the other.
   * (Walking forwards lost entries: the sweep could empty a slot just behind the repair.)
   */
  private void repairPath(long home, long slot) {
    if (slot == home) {
      return;
    }
    for (long s = (slot - 1) & mask; ; s = (s - 1) & mask) {
      if (slotAt(s) == EMPTY && LONG.compareAndSet(index, s * 8, EMPTY, TOMBSTONE)) {
        usedSlots.getAndIncrement();
      }
      if (s == home) {
        return;
      }
    }
  }

  /** Room for one more embryonic entry, evicting the oldest one near {@code home} if need be. */
  private boolean reserveEmbryonic(CtPacket p, long home, long now) {
    for (int attempt = 0; attempt < 2; attempt++) {
      if (limits.reserveEmbryonic()) {
        return true;
      }
      if (!reclaim(p.spare, home, now, true)) {
        return false;
      }
    }
    return false;
  }

  /**
   * Early drop: frees one entry among the {@link #EVICT_WINDOW} slots from {@code home}: an expired
   * one if any, else the unestablished (or, unless {@code embryonicOnly}, TIME_WAIT/CLOSE) one
   * nearest its deadline. Established connections are never taken.
   */
  private boolean reclaim(CtSnapshot s, long home, long now, boolean embryonicOnly) {
    long victimSlot = -1;
    long victimDeadline = Long.MAX_VALUE;
    long slot = home;
    for (int n = 0; n < EVICT_WINDOW; n++, slot = (slot + 1) & mask) {
      long v = slotAt(slot);
      if (v == EMPTY || v == TOMBSTONE || !readAt(slot, v, s)) {
        continue;
      }
      if (evictable(s, now, embryonicOnly)) {
        long deadline = s.expires - now <= 0 ? Long.MIN_VALUE : s.expires;
        if (deadline < victimDeadline) {
          victimDeadline = deadline;
          victimSlot = slot;
        }
      }
    }
    if (victimSlot < 0) {
      return false;
    }
    long v = slotAt(victimSlot);
    if (v == EMPTY || v == TOMBSTONE) {
      return false;
    }
    int e = (int) v - 1;
    if (!readAt(victimSlot, v, s) || !evictable(s, now, embryonicOnly)) {
      return false;
    }
    if (remove(victimSlot, e, s)) {
      limits.evicted();
      return true;
    }
    return false;
  }

  /**
   * What an early drop may take: for the embryonic budget an unestablished entry; for room in a
   * full table also an expired one or a TCP connection already in TIME_WAIT or CLOSE.
   */
  private static boolean evictable(CtSnapshot s, long now, boolean embryonicOnly) {
    if (s.has(EMBRYONIC)) {
      return true;
    }
    return !embryonicOnly
        && (s.expires - now <= 0
            || (s.state >= TcpTracker.TIME_WAIT && s.state <= TcpTracker.CLOSE));
  }

  /**
   * Removes entry {@code e} (read into {@code s}, found at {@code slot}) if it is unchanged since:
   * marks it dead, tombstones its slot, gives back its counts and frees it.
   */
  private boolean remove(long slot, int e, CtSnapshot s) {
    if (!entries.kill(e, s)) {
      return false;
    }
    long v = slotAt(slot);
    if ((int) v == e + 1) { // the kill's winner is the only one that tombstones this slot
      LONG.compareAndSet(index, slot * 8, v, TOMBSTONE);
    }
    release(entries.key(e, 0), s.port, s.has(EMBRYONIC));
    entries.free(e);
    return true;
  }

  private void release(long k0, int port, boolean wasEmbryonic) {
    limits.removed(zoneOf(k0), port, wasEmbryonic);
  }

  private static int zoneOf(long k0) {
    return (int) ((k0 >>> 40) & 0xFFFF);
  }

  /**
   * Reads the entry slot {@code slot} held as {@code v} into {@code s}, if it still holds it after
   * the read: an entry read through a slot read earlier may have been removed and reused for
   * another tuple in between, and acting on it (a sweep judging it a twin, an eviction) would
   * remove the wrong connection. Once this holds, only the remover that wins the entry's CAS can
   * take it off that slot.
   */
  private boolean readAt(long slot, long v, CtSnapshot s) {
    return entries.read((int) v - 1, s) && slotAt(slot) == v;
  }

  /** The first live entry holding {@code p}'s key (read into {@code s}), expired or not; or -1. */
  private int find(CtPacket p, CtSnapshot s) {
    int tag = (int) (p.hash >>> 32);
    long slot = p.hash & mask;
    for (long n = 0; n <= mask; n++) {
      long v = slotAt(slot);
      if (v == EMPTY && (v = crossing(slot)) == EMPTY) {
        return -1;
      }
      if (v != TOMBSTONE && (int) (v >>> 32) == tag && entries.read((int) v - 1, p, s)) {
        return (int) v - 1;
      }
      slot = (slot + 1) & mask;
    }
    return -1;
  }

  /** As {@link #find}, but the slot, for the sweep's check that an entry is the one found. */
  private long findSlot(CtPacket p, CtSnapshot s) {
    int tag = (int) (p.hash >>> 32);
    long slot = p.hash & mask;
    for (long n = 0; n <= mask; n++) {
      long v = slotAt(slot);
      if (v == EMPTY && (v = crossing(slot)) == EMPTY) {
        return -1;
      }
      if (v != TOMBSTONE && (int) (v >>> 32) == tag && entries.read((int) v - 1, p, s)) {
        return slot;
      }
      slot = (slot + 1) & mask;
    }
    return -1;
  }

  private long slotAt(long slot) {
    return (long) LONG.getAcquire(index, slot * 8);
  }

  /**
   * A walk read EMPTY at {@code slot}: what it should take the slot for. EMPTY only if it really
   * ends the chain; TOMBSTONE if the sweep is turning that slot from a tombstone into EMPTY right
   * now, or whatever the slot holds again (a tombstone the sweep put back, an insert's entry).
   *
   * <p>Why: the sweep empties a tombstone whose successor it saw EMPTY, then re-checks the
   * successor and puts the tombstone back if an insert landed there meanwhile. Between its CAS and
   * that repair the slot reads EMPTY although an entry lies beyond it, and a lookup ending there
   * would miss a live connection (an established flow's packet judged NEW or INVALID, a commit
   * making a twin). The sweep names the slot in {@code sweeping} before its CAS and clears it after
   * the repair, so a walk that read EMPTY either still sees the name, or sees it cleared and then
   * reads the repaired slot.
   */
  private long crossing(long slot) {
    if (sweeping.get() == slot) {
      return TOMBSTONE;
    }
    return slotAt(slot);
  }

  /**
   * The normalised key of (src, dst) into {@code p}: the lower (address, port) end is A; {@code
   * p.fromB} says whether the packet came from B. Addresses compare unsigned, high half first.
   */
  private void key(
      CtPacket p,
      int zone,
      long sHi,
      long sLo,
      int sPort,
      long dHi,
      long dLo,
      int dPort,
      int protocol) {
    int c = Long.compareUnsigned(sHi, dHi);
    if (c == 0) {
      c = Long.compareUnsigned(sLo, dLo);
    }
    if (c == 0) {
      c = Integer.compare(sPort & 0xFFFF, dPort & 0xFFFF);
    }
    boolean fromB = c > 0;
    int portA = fromB ? dPort : sPort;
    int portB = fromB ? sPort : dPort;
    p.fromB = fromB;
    p.keyedZone = 0;
    p.k0 =
        KEY_MARK
            | (p.ipv6 ? KEY_V6 : 0)
            | ((zone & 0xFFFFL) << 40)
            | ((protocol & 0xFFL) << 32)
            | ((portA & 0xFFFFL) << 16)
            | (portB & 0xFFFFL);
    p.k1 = fromB ? dHi : sHi;
    p.k2 = fromB ? dLo : sLo;
    p.k3 = fromB ? sHi : dHi;
    p.k4 = fromB ? sLo : dLo;
    p.hash = hash(p);
  }

  private long hash(CtPacket p) {
    long h = (seed ^ p.k0) * 0x9E3779B97F4A7C15L;
    h = (h ^ p.k1) * 0xC2B2AE3D27D4EB4FL;
    h = (h ^ p.k2) * 0x9E3779B97F4A7C15L;
    h = (h ^ p.k3) * 0xC2B2AE3D27D4EB4FL;
    h = (h ^ p.k4) * 0x9E3779B97F4A7C15L;
    h ^= h >>> 31;
    h *= 0xBF58476D1CE4E5B9L;
    return h ^ (h >>> 29);
  }

  // ---------------------------------------------------------------- control thread

  /** From now on only {@code owner} may sweep, flush, list and change limits (see {@code Fdb}). */
  public void bindControlThread(Thread owner) {
    this.controlOwner = owner;
  }

  private void requireControlThread(String operation) {
    Thread owner = controlOwner;
    if (owner != null && Thread.currentThread() != owner) {
      throw new IllegalStateException(
          "conntrack "
              + operation
              + " on thread '"
              + Thread.currentThread().getName()
              + "': only the control agent '"
              + owner.getName()
              + "' may do it");
    }
  }

  /**
   * Visits {@code budget} index slots (walking backwards, round the table over successive calls):
   * frees expired entries and unreachable twins (a rare insert race can leave a second entry for a
   * tuple behind the first; lookups never reach it), and turns tombstones that end a chain back
   * into EMPTY so churn cannot fill the index. Returns the entries freed.
   */
  public int sweep(long budget, long now) {
    requireControlThread("sweep");
    CtSnapshot s = controlKey.snapshot;
    CtSnapshot probe = controlKey.spare;
    int freed = 0;
    long n = Math.min(budget, mask + 1);
    for (long i = 0; i < n; i++) {
      long slot = sweepCursor;
      sweepCursor = (sweepCursor - 1) & mask;
      long v = slotAt(slot);
      if (v != EMPTY && v != TOMBSTONE) {
        int e = (int) v - 1;
        if (readAt(slot, v, s) && (s.expires - now <= 0 || !reachable(e, slot, probe))) {
          if (remove(slot, e, s)) {
            freed++;
          }
        }
      }
      if (slotAt(slot) == TOMBSTONE && slotAt((slot + 1) & mask) == EMPTY) {
        sweeping.set(slot); // walks cross this slot until the repair below is done (see crossing)
        if (LONG.compareAndSet(index, slot * 8, TOMBSTONE, EMPTY)) {
          usedSlots.getAndDecrement();
          // An insert may have landed on the successor between the check and the CAS; it walked
          // over this slot, so it must stay crossable.
          if (slotAt((slot + 1) & mask) != EMPTY
              && LONG.compareAndSet(index, slot * 8, EMPTY, TOMBSTONE)) {
            usedSlots.getAndIncrement();
          }
        }
        sweeping.set(-1);
      }
    }
    return freed;
  }

  /** Whether a lookup of entry {@code e}'s key reaches {@code slot} (and not an earlier twin). */
  private boolean reachable(int e, long slot, CtSnapshot probe) {
    CtPacket k = controlKey;
    k.k0 = entries.key(e, 0);
    k.k1 = entries.key(e, 1);
    k.k2 = entries.key(e, 2);
    k.k3 = entries.key(e, 3);
    k.k4 = entries.key(e, 4);
    k.hash = hash(k);
    long found = findSlot(k, probe);
    return found < 0 || found == slot; // -1: changed under us; leave it to the next sweep
  }

  /** Removes every connection of {@code zone}; returns how many. */
  public int flushZone(int zone) {
    requireControlThread("flushZone");
    return flush(zone, -1);
  }

  /** Removes every connection created on {@code port} (a port going away); returns how many. */
  public int flushPort(int port) {
    requireControlThread("flushPort");
    return flush(-1, port);
  }

  /** Removes every connection; returns how many. */
  public int flushAll() {
    requireControlThread("flushAll");
    return flush(-1, -1);
  }

  /**
   * Removes the connections of {@code zone} (-1: any) created on {@code port} (-1: any); returns
   * how many (an operator's {@code vswitchctl conntrack flush --zone Z --port P}).
   */
  public int flushWhere(int zone, int port) {
    requireControlThread("flushWhere");
    return flush(zone, port);
  }

  private int flush(int zone, int port) {
    CtSnapshot s = controlKey.snapshot;
    int removed = 0;
    for (long slot = 0; slot <= mask; slot++) {
      long v = slotAt(slot);
      if (v == EMPTY || v == TOMBSTONE) {
        continue;
      }
      int e = (int) v - 1;
      while (readAt(slot, v, s)
          && (zone < 0 || zoneOf(entries.key(e, 0)) == zone)
          && (port < 0 || s.port == port)) {
        if (remove(slot, e, s)) {
          removed++;
          break;
        }
      }
    }
    return removed;
  }

  /** Visits every live (unexpired) connection, in zone {@code zone} only unless it is -1. */
  public void forEach(long now, int zone, Visitor visitor) {
    requireControlThread("forEach");
    CtSnapshot s = controlKey.snapshot;
    CtEntryView out = view;
    for (long slot = 0; slot <= mask; slot++) {
      long v = slotAt(slot);
      if (v == EMPTY || v == TOMBSTONE) {
        continue;
      }
      int e = (int) v - 1;
      if (!readAt(slot, v, s) || s.expires - now <= 0) {
        continue;
      }
      long k0 = entries.key(e, 0);
      if (zone >= 0 && zoneOf(k0) != zone) {
        continue;
      }
      boolean initiatorB = s.has(INITIATOR_B);
      out.entry = e;
      out.zone = zoneOf(k0);
      out.ipv6 = (k0 & KEY_V6) != 0;
      out.protocol = (int) ((k0 >>> 32) & 0xFF);
      int portA = (int) ((k0 >>> 16) & 0xFFFF);
      int portB = (int) (k0 & 0xFFFF);
      long aHi = entries.key(e, 1);
      long aLo = entries.key(e, 2);
      long bHi = entries.key(e, 3);
      long bLo = entries.key(e, 4);
      out.srcHi = initiatorB ? bHi : aHi;
      out.srcLo = initiatorB ? bLo : aLo;
      out.dstHi = initiatorB ? aHi : bHi;
      out.dstLo = initiatorB ? aLo : bLo;
      out.srcPort = initiatorB ? portB : portA;
      out.dstPort = initiatorB ? portA : portB;
      out.state =
          s.state == OPEN
              ? (s.has(REPLIED) ? "REPLIED" : "UNREPLIED")
              : TcpTracker.stateName(s.state);
      out.port = s.port;
      out.ageSeconds = now / 1000 - s.createdSeconds;
      out.expiresInSeconds = (s.expires - now + 999) / 1000;
      out.originalPackets = s.packets[0];
      out.originalBytes = s.bytes[0];
      out.replyPackets = s.packets[1];
      out.replyBytes = s.bytes[1];
      out.stateCode = s.state;
      out.replied = s.has(REPLIED);
      out.embryonic = s.has(EMBRYONIC);
      out.expiresInMillis = s.expires - now;
      for (int d = 0; d < 2; d++) {
        out.tcpEnd[d] = s.end[d];
        out.tcpMaxEnd[d] = s.maxend[d];
        out.tcpMaxWindow[d] = s.maxwin[d];
        out.tcpScale[d] = s.scale[d];
        out.tcpFlags[d] = s.dflags[d];
      }
      visitor.visit(out);
    }
  }

  /**
   * The code of state {@code name} ({@link CtEntryView#state}) for {@code protocol}, or -1: TCP's
   * "SYN_SENT" .. "CLOSE", or "UNREPLIED"/"REPLIED" for the others.
   */
  public static int stateCode(int protocol, String name) {
    if (protocol != CtPacket.TCP) {
      return "UNREPLIED".equals(name) || "REPLIED".equals(name) ? OPEN : -1;
    }
    for (int st = TcpTracker.SYN_SENT; st <= TcpTracker.CLOSE; st++) {
      if (TcpTracker.stateName(st).equals(name)) {
        return st;
      }
    }
    return -1;
  }

  /**
   * Puts a connection another host tracked (a VM's, moved here by vMotion) into {@code zone} as
   * created on {@code port}, with its state, counters and {@code c.expiresInMillis} left (cut to
   * this table's timeout for its state). Control thread only: the same lock-free insert the
   * workers' commits use (a CAS into an EMPTY slot, limits reserved first), so a worker that
   * commits the same tuple meanwhile meets it as it would another worker's. It takes only free room
   * (never evicts; an unestablished one needs the embryonic budget) and passes the zone and port
   * limits like any other.
   *
   * <p>A synchronised TCP connection's windows are not kept: each side's is taken from its first
   * packet here ({@code TcpTracker}'s pick-up, as Linux picks up a connection mid-stream), because
   * the record is as old as its export, and the VM's TCP may have sent more than a window through
   * the old host since (ESXi's order: the destination's port, and its claim's answer, come seconds
   * before the switch-over). Sequence numbers are checked again from those packets on.
   *
   * <p>What it fixes itself rather than trusting: which end opened the connection (from the
   * original direction's addresses, as a packet would), and whether it is established (TCP from its
   * state, the others from {@code replied}; only a CLOSE connection keeps what it says). {@code
   * c}'s {@code embryonic} and {@code replied} are overwritten with what was used.
   *
   * @return {@link CtResult#NEW} (with the entry) once put in; {@link CtResult#ESTABLISHED} if the
   *     table has a live connection of that tuple already that has seen at least as many packets
   *     (it is kept; one that has seen fewer is replaced by {@code c}); {@link CtResult#INVALID}
   *     for a state the table cannot hold (a TCP state out of range, a window scale over 14, an
   *     IPv4 entry with an address outside ::ffff:0:0/96, no time left); a REFUSED_* code when a
   *     limit or the room says no (not counted as a packet's refusal)
   */
  public int importConnection(int zone, int port, CtEntryView c, long now) {
    requireControlThread("importConnection");
    if (zone < 0 || zone >= ZONES || port < 0 || port >= MAX_PORTS || !importable(c)) {
      return CtResult.INVALID;
    }
    CtPacket p = controlKey;
    p.ipv6 = c.ipv6;
    CtSnapshot s = p.snapshot;
    for (; ; ) {
      key(p, zone, c.srcHi, c.srcLo, c.srcPort, c.dstHi, c.dstLo, c.dstPort, c.protocol);
      long home = p.hash & mask;
      long slot = home;
      int r = RETRY;
      boolean found = false;
      for (long n = 0; n <= mask; n++, slot = (slot + 1) & mask) {
        long v = slotAt(slot);
        if (v == EMPTY && (v = crossing(slot)) == EMPTY) {
          break;
        }
        if (v != TOMBSTONE && (int) (v >>> 32) == tag(p) && entries.read((int) v - 1, p, s)) {
          found = true;
          if (s.expires - now > 0
              && s.packets[0] + s.packets[1] >= c.originalPackets + c.replyPackets) {
            return CtResult.ESTABLISHED; // ours has seen as much: it is at least as far along
          }
          // Expired (not swept yet), or behind the record (an earlier export of the same move,
          // when the old host answered a claim and then went on): the record's replaces it.
          remove(slot, (int) v - 1, s);
          break;
        }
      }
      if (!found) {
        r = insert(zone, port, p, s, now, home, slot, c);
      }
      if (r != RETRY) {
        return r;
      }
    }
  }

  private static int tag(CtPacket p) {
    return (int) (p.hash >>> 32);
  }

  /** Checks {@code c} against what an entry can hold, and fixes its derived flags. */
  private static boolean importable(CtEntryView c) {
    if (c.protocol < 0 || c.protocol > 255 || c.expiresInMillis <= 0) {
      return false;
    }
    if ((c.srcPort & ~0xFFFF) != 0 || (c.dstPort & ~0xFFFF) != 0) {
      return false;
    }
    if (!c.ipv6 && !(mapped(c.srcHi, c.srcLo) && mapped(c.dstHi, c.dstLo))) {
      return false;
    }
    if (c.protocol != CtPacket.TCP) {
      if (c.stateCode != OPEN) {
        return false;
      }
      c.embryonic = !c.replied;
      return true;
    }
    if (c.stateCode < TcpTracker.SYN_SENT || c.stateCode > TcpTracker.CLOSE) {
      return false;
    }
    for (int d = 0; d < 2; d++) {
      if (c.tcpScale[d] < 0 || c.tcpScale[d] > 14 || (c.tcpFlags[d] & ~0xF) != 0) {
        return false;
      }
    }
    if (c.stateCode != TcpTracker.CLOSE) {
      c.embryonic = c.stateCode < TcpTracker.ESTABLISHED;
      c.replied = c.stateCode >= TcpTracker.SYN_RECV;
    }
    return true;
  }

  private static boolean mapped(long hi, long lo) {
    return hi == 0 && (lo >>> 32) == 0xFFFF;
  }

  /** An imported connection's state into {@code s} (see {@link #importConnection}). */
  private void adopt(CtSnapshot s, CtPacket p, int port, CtEntryView c, long now) {
    s.flags =
        (c.embryonic ? EMBRYONIC : 0) | (c.replied ? REPLIED : 0) | (p.fromB ? INITIATOR_B : 0);
    s.state = c.stateCode;
    s.port = port;
    s.createdSeconds = (int) (now / 1000 - Math.max(0, Math.min(c.ageSeconds, 1L << 30)));
    boolean tcp = c.protocol == CtPacket.TCP;
    // A synchronised connection's windows are taken up again from its next packets (TcpTracker's
    // pick-up): the record's are as old as the export, and between a claim's answer and the
    // switch-over the VM's TCP may have moved on by more than a window through the old host.
    boolean pickUp =
        tcp && c.stateCode >= TcpTracker.ESTABLISHED && c.stateCode != TcpTracker.CLOSE;
    for (int d = 0; d < 2; d++) {
      s.end[d] = tcp ? c.tcpEnd[d] : 0;
      s.maxend[d] = tcp ? c.tcpMaxEnd[d] : 0;
      s.maxwin[d] = tcp && !pickUp ? c.tcpMaxWindow[d] : 0;
      s.scale[d] = tcp ? c.tcpScale[d] : 0;
      s.dflags[d] = tcp ? c.tcpFlags[d] : 0;
    }
    s.packets[0] = Math.max(0, c.originalPackets);
    s.bytes[0] = Math.max(0, c.originalBytes);
    s.packets[1] = Math.max(0, c.replyPackets);
    s.bytes[1] = Math.max(0, c.replyBytes);
    CtTimeouts t = timeouts;
    long most =
        tcp
            ? t.tcpMillis(c.stateCode)
            : 1000
                * switch (c.protocol) {
                  case CtPacket.UDP -> c.replied ? t.udpReplied() : t.udpUnreplied();
                  case CtPacket.ICMP, CtPacket.ICMPV6 -> t.icmp();
                  default -> t.generic();
                };
    s.expires = now + Math.min(c.expiresInMillis, most);
  }

  /** One listed connection; the view is reused, copy what you keep. */
  @FunctionalInterface
  public interface Visitor {
    void visit(CtEntryView connection);
  }

  /** At most {@code limit} connections in {@code zone} (Integer.MAX_VALUE: no limit). */
  public void setZoneLimit(int zone, int limit) {
    requireControlThread("setZoneLimit");
    limits.setZoneLimit(zone, limit);
  }

  /** At most {@code limit} connections created on {@code port}. */
  public void setPortLimit(int port, int limit) {
    requireControlThread("setPortLimit");
    limits.setPortLimit(port, limit);
  }

  /** New timeouts; connections take them at their next packet. */
  public void setTimeouts(CtTimeouts timeouts) {
    requireControlThread("setTimeouts");
    this.timeouts = timeouts;
  }

  public CtTimeouts timeouts() {
    return timeouts;
  }

  /** Entries in use (expired ones included until reclaimed). */
  public int size() {
    return limits.live();
  }

  public int capacity() {
    return entries.capacity();
  }

  /** Entries not yet established (their own budget). */
  public int embryonic() {
    return limits.embryonic();
  }

  public int embryonicLimit() {
    return limits.embryonicLimit();
  }

  public int zoneCount(int zone) {
    return limits.zoneCount(zone);
  }

  public int portCount(int port) {
    return limits.portCount(port);
  }

  /** Commits refused with {@code verdict} (a REFUSED_* code) since start. */
  public long refusals(int verdict) {
    return limits.refusals(verdict);
  }

  /** Connections created since start (an entry reused by a new connection counts again). */
  public long created() {
    return limits.created();
  }

  /** Unestablished (or expired, or closed) entries dropped to make room since start. */
  public long evictions() {
    return limits.evictions();
  }

  @Override
  public void close() {
    entries.close();
    arena.close();
  }
}
