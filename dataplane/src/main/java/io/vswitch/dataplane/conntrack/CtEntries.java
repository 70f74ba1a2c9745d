package io.vswitch.dataplane.conntrack;

import io.vswitch.ffm.LargeTables;
import io.vswitch.ffm.NativeMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The connection entries: {@code capacity} fixed 128-byte records off-heap (two cache lines), and a
 * lock-free free list of the unused ones. The hash index ({@link ConntrackTable}) points into them.
 *
 * <pre>
 *   0       8                                      48      56      64
 *   +-------+-------+-------+-------+-------+-------+-------+-------+
 *   | seq   | k0    | A hi  | A lo  | B hi  | B lo  | meta  | tcp   |  line 0: identity
 *   +-------+-------+-------+-------+-------+-------+-------+-------+
 *   | expiry| end0  | end1  | maxwin| pkts0 | bytes0| pkts1 | bytes1|  line 1: per-packet state
 *   +-------+-------+-------+-------+-------+-------+-------+-------+
 *   k0:     1 | v6 | 0000 0000 | zone:16 | proto:8 | port A:16 | port B:16   (A < B, see table)
 *   meta:   created s:32 | ingress port:16 | flags:8 | state:8    (free: next free + 1 in bits 32+)
 *   tcp:    dflags1:8 | dflags0:8 | scale1:8 | scale0:8 | unused:32
 *   endD:   td_end:32 | td_maxend:32 of direction D;   maxwin: maxwin1:32 | maxwin0:32
 * </pre>
 *
 * <p>Concurrency: every entry has its own sequence word, a seqlock whose writers are optimistic. A
 * reader reads the word (even), the fields, then the word again; a change means a writer was in
 * between, and it reads again. An update computes the new state from such a snapshot, then CASes
 * the word from the snapshot's value to odd, stores the fields and release-stores the word + 2. A
 * failed CAS means another worker updated the entry first (the other direction of the same
 * connection, on another worker), so the packet is judged again against the newer state: TCP's
 * window checks are never applied to a stale view, and no update is lost. Why not one CAS on one
 * state word: a TCP packet changes its own direction's sequence end and the other direction's
 * maximum end together, plus the state, the expiry and the counters; no single 64-bit word holds
 * that. Why not a lock held during the check: here the word is odd only for the handful of stores
 * of the write-back, never across the computation, so a writer descheduled at the wrong moment
 * stalls readers of that one entry for those stores at most.
 *
 * <p>The word also serves as the entry's generation: it only grows, across reuse too, so an update
 * that began against an entry's previous life can never commit into its next one.
 */
final class CtEntries implements AutoCloseable {
  static final int ENTRY_BYTES = 128;

  private static final long SEQ = 0;
  private static final long K0 = 8;
  private static final long A_HI = 16;
  private static final long A_LO = 24;
  private static final long B_HI = 32;
  private static final long B_LO = 40;
  private static final long META = 48;
  private static final long TCP = 56;
  private static final long EXPIRES = 64;
  private static final long END0 = 72;
  private static final long END1 = 80;
  private static final long MAXWIN = 88;
  private static final long PKTS0 = 96;
  private static final long BYTES0 = 104;
  private static final long PKTS1 = 112;
  private static final long BYTES1 = 120;

  /** meta state of an entry on the free list. */
  static final int FREE = 0xFF;

  /** meta state of an entry being removed: off the index or about to be, never matched. */
  static final int DEAD = 0xFE;

  private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

  private final Arena arena = Arena.ofShared();
  private final MemorySegment seg;

  /** {@link #seg}'s address, for the plain field accesses. */
  private final long base;

  private final int capacity;

  /** Top of the free list: ABA tag (bits 32-63) | entry index + 1 (0: empty). */
  private final AtomicLong freeHead = new AtomicLong();

  CtEntries(int capacity) {
    if (capacity < 1 || capacity > CtResult.MAX_ENTRIES) {
      throw new IllegalArgumentException("conntrack capacity 1.." + CtResult.MAX_ENTRIES);
    }
    this.capacity = capacity;
    this.seg = LargeTables.allocate(arena, (long) capacity * ENTRY_BYTES);
    this.base = seg.address();
    for (int e = capacity - 1; e >= 0; e--) {
      push(e);
    }
  }

  int capacity() {
    return capacity;
  }

  private static long at(int e, long field) {
    return (long) e * ENTRY_BYTES + field;
  }

  // Fields are read and written with plain accesses: the sequence word's CAS, release store and
  // the readers' load fence order them (as StampedLock's optimistic reads do), a torn snapshot is
  // caught by the second read of the word, and one VarHandle chain per field made the read too
  // big for C2 to inline. They go by address (NativeMemory), not through the shared arena's
  // segment: each segment access checked the arena's liveness and the bounds again, ~50
  // cycles/packet on a tracked packet's dozen field reads and writes. Safe because an entry index
  // comes only from the index or the free list (always < capacity), the sequence word, read or
  // CASed before the fields on every per-packet path, still goes through the checked segment, and
  // the table is closed only after the workers stopped (VswitchMain closes the runtime first).
  private long get(int e, long field) {
    return NativeMemory.getLong(base + at(e, field));
  }

  private void put(int e, long field, long value) {
    NativeMemory.putLong(base + at(e, field), value);
  }

  long seq(int e) {
    return (long) LONG.getAcquire(seg, at(e, SEQ));
  }

  static int state(long meta) {
    return (int) (meta & 0xFF);
  }

  /** Loads both cache lines of entry {@code e} (see {@link ConntrackTable#prefetch}). */
  long touch(int e) {
    return get(e, K0) + get(e, EXPIRES);
  }

  /** Whether entry {@code e} holds {@code p}'s key (normalised, zone included). Racy: a hint. */
  boolean keyMatches(int e, CtPacket p) {
    return get(e, K0) == p.k0
        && get(e, A_HI) == p.k1
        && get(e, A_LO) == p.k2
        && get(e, B_HI) == p.k3
        && get(e, B_LO) == p.k4;
  }

  /**
   * Reads entry {@code e} into {@code s} as one consistent snapshot, if it holds {@code p}'s key
   * and is in use (not free, not being removed). Expiry is the caller's to judge.
   */
  boolean read(int e, CtPacket p, CtSnapshot s) {
    for (; ; ) {
      long q = seq(e);
      if ((q & 1) != 0) {
        Thread.onSpinWait();
        continue;
      }
      boolean match = keyMatches(e, p);
      long meta = get(e, META);
      if (match) {
        decode(e, meta, s);
      }
      VarHandle.loadLoadFence();
      if (get(e, SEQ) == q) {
        int state = state(meta);
        s.seq = q;
        return match && state != FREE && state != DEAD;
      }
    }
  }

  /** As {@link #read} without a key to compare: for the control thread's walks. */
  boolean read(int e, CtSnapshot s) {
    for (; ; ) {
      long q = seq(e);
      if ((q & 1) != 0) {
        Thread.onSpinWait();
        continue;
      }
      long meta = get(e, META);
      decode(e, meta, s);
      VarHandle.loadLoadFence();
      if (get(e, SEQ) == q) {
        s.seq = q;
        return s.state != FREE && s.state != DEAD;
      }
    }
  }

  private void decode(int e, long meta, CtSnapshot s) {
    s.state = state(meta);
    s.flags = (int) ((meta >>> 8) & 0xFF);
    s.port = (int) ((meta >>> 16) & 0xFFFF);
    s.createdSeconds = (int) (meta >>> 32);
    long tcp = get(e, TCP);
    s.scale[0] = (int) (tcp & 0xFF);
    s.scale[1] = (int) ((tcp >>> 8) & 0xFF);
    s.dflags[0] = (int) ((tcp >>> 16) & 0xFF);
    s.dflags[1] = (int) ((tcp >>> 24) & 0xFF);
    s.expires = get(e, EXPIRES);
    long end0 = get(e, END0);
    long end1 = get(e, END1);
    long maxwin = get(e, MAXWIN);
    s.end[0] = (int) (end0 >>> 32);
    s.maxend[0] = (int) end0;
    s.end[1] = (int) (end1 >>> 32);
    s.maxend[1] = (int) end1;
    s.maxwin[0] = (int) maxwin;
    s.maxwin[1] = (int) (maxwin >>> 32);
    s.packets[0] = get(e, PKTS0);
    s.bytes[0] = get(e, BYTES0);
    s.packets[1] = get(e, PKTS1);
    s.bytes[1] = get(e, BYTES1);
  }

  /**
   * Writes {@code s} back into {@code e} if nothing changed the entry since {@code s} was read.
   * False: another writer came first; read again and redo the update.
   */
  boolean commit(int e, CtSnapshot s) {
    if (!LONG.compareAndSet(seg, at(e, SEQ), s.seq, s.seq + 1)) {
      return false;
    }
    encode(e, s);
    LONG.setRelease(seg, at(e, SEQ), s.seq + 2);
    s.seq += 2;
    return true;
  }

  private void encode(int e, CtSnapshot s) {
    put(e, META, meta(s));
    put(
        e,
        TCP,
        (s.scale[0] & 0xFFL)
            | ((s.scale[1] & 0xFFL) << 8)
            | ((s.dflags[0] & 0xFFL) << 16)
            | ((s.dflags[1] & 0xFFL) << 24));
    put(e, EXPIRES, s.expires);
    put(e, END0, ((long) s.end[0] << 32) | (s.maxend[0] & 0xFFFF_FFFFL));
    put(e, END1, ((long) s.end[1] << 32) | (s.maxend[1] & 0xFFFF_FFFFL));
    put(e, MAXWIN, ((long) s.maxwin[1] << 32) | (s.maxwin[0] & 0xFFFF_FFFFL));
    put(e, PKTS0, s.packets[0]);
    put(e, BYTES0, s.bytes[0]);
    put(e, PKTS1, s.packets[1]);
    put(e, BYTES1, s.bytes[1]);
  }

  private static long meta(CtSnapshot s) {
    return ((long) s.createdSeconds << 32)
        | ((s.port & 0xFFFFL) << 16)
        | ((s.flags & 0xFFL) << 8)
        | (s.state & 0xFF);
  }

  /**
   * Fills a freshly allocated entry (the caller owns it: popped from the free list, on no index)
   * with {@code p}'s key and {@code s}'s state.
   */
  void fill(int e, CtPacket p, CtSnapshot s) {
    long q = seq(e);
    LONG.setVolatile(seg, at(e, SEQ), q + 1);
    put(e, K0, p.k0);
    put(e, A_HI, p.k1);
    put(e, A_LO, p.k2);
    put(e, B_HI, p.k3);
    put(e, B_LO, p.k4);
    encode(e, s);
    LONG.setRelease(seg, at(e, SEQ), q + 2);
    s.seq = q + 2;
  }

  /** The key words, for the control thread's listing and the sweep's re-lookup. */
  long key(int e, int word) {
    return get(e, K0 + 8L * word);
  }

  /**
   * Marks {@code e} (read into {@code s}) as being removed, if it is unchanged since: from then on
   * no lookup matches it and no update commits into it. The caller then takes it off the index,
   * gives back its counts and {@link #free}s it.
   */
  boolean kill(int e, CtSnapshot s) {
    int state = s.state;
    s.state = DEAD;
    if (commit(e, s)) {
      s.state = state;
      return true;
    }
    s.state = state;
    return false;
  }

  /** Gives a killed (or never published) entry back to the free list. */
  void free(int e) {
    push(e);
  }

  private void push(int e) {
    for (; ; ) {
      long h = freeHead.get();
      put(e, META, ((h & 0xFFFF_FFFFL) << 32) | FREE);
      if (freeHead.compareAndSet(h, (((h >>> 32) + 1) << 32) | (e + 1L))) {
        return;
      }
    }
  }

  /** Takes an entry off the free list, or -1 when every entry is in use. */
  int allocate() {
    for (; ; ) {
      long h = freeHead.get();
      int top = (int) h - 1;
      if (top < 0) {
        return -1;
      }
      // Another worker may pop (and reuse) top between these two reads; the tag makes the CAS fail.
      int next = (int) (get(top, META) >>> 32) - 1;
      if (freeHead.compareAndSet(h, (((h >>> 32) + 1) << 32) | (next + 1L))) {
        return top;
      }
    }
  }

  @Override
  public void close() {
    arena.close();
  }
}
