package io.vswitch.ffm;

import static io.vswitch.ffm.NativeMemory.ALL;

import io.vswitch.ffm.raw.vswitch_shim_h;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Static accessors for one rte_mbuf, given its address. A flyweight with no instance: the data path
 * passes mbufs around as {@code long} addresses, so nothing is allocated per packet.
 *
 * <p>Single-segment mbufs only on the fast path (nb_segs == 1): the ports are configured without
 * scatter, so a frame always fits one segment.
 */
public final class Mbuf {
  private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
  private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
  private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;

  private Mbuf() {}

  /** Address of the first byte of the frame: buf_addr + data_off. */
  public static long dataAddress(long mbuf) {
    return ALL.get(U64, mbuf + MbufLayout.BUF_ADDR) + dataOffset(mbuf);
  }

  public static int dataOffset(long mbuf) {
    return Short.toUnsignedInt(ALL.get(U16, mbuf + MbufLayout.DATA_OFF));
  }

  /** Bytes of frame in this segment. */
  public static int dataLength(long mbuf) {
    return Short.toUnsignedInt(ALL.get(U16, mbuf + MbufLayout.DATA_LEN));
  }

  /** Bytes of frame over all segments. */
  public static int packetLength(long mbuf) {
    return ALL.get(U32, mbuf + MbufLayout.PKT_LEN);
  }

  public static int segmentCount(long mbuf) {
    return Short.toUnsignedInt(ALL.get(U16, mbuf + MbufLayout.NB_SEGS));
  }

  /** The port the mbuf was received on. */
  public static int port(long mbuf) {
    return Short.toUnsignedInt(ALL.get(U16, mbuf + MbufLayout.PORT));
  }

  public static int refCount(long mbuf) {
    return Short.toUnsignedInt(ALL.get(U16, mbuf + MbufLayout.REFCNT));
  }

  public static long offloadFlags(long mbuf) {
    return ALL.get(U64, mbuf + MbufLayout.OL_FLAGS);
  }

  public static int vlanTci(long mbuf) {
    return Short.toUnsignedInt(ALL.get(U16, mbuf + MbufLayout.VLAN_TCI));
  }

  public static int rssHash(long mbuf) {
    return ALL.get(U32, mbuf + MbufLayout.HASH_RSS);
  }

  /**
   * Grows the frame at its head by {@code bytes} (a VLAN tag push) without a downcall. Returns the
   * new data address, or 0 when the headroom is too small (the caller drops and counts).
   */
  public static long prepend(long mbuf, int bytes) {
    int offset = dataOffset(mbuf);
    if (bytes > offset) {
      return 0;
    }
    int next = offset - bytes;
    setDataOffset(mbuf, next);
    addLength(mbuf, bytes);
    return ALL.get(U64, mbuf + MbufLayout.BUF_ADDR) + next; // data_off not read back
  }

  /**
   * As {@link #prepend(long, int)}, for a frame whose data address ({@code frame}) the caller
   * already holds: reads only data_off and the lengths.
   */
  public static long prepend(long mbuf, long frame, int bytes) {
    int offset = dataOffset(mbuf);
    if (bytes > offset) {
      return 0;
    }
    setDataOffset(mbuf, offset - bytes);
    addLength(mbuf, bytes);
    return frame - bytes;
  }

  /** Removes {@code bytes} from the head of the frame (a VLAN tag pop). */
  public static long trimHead(long mbuf, int bytes) {
    if (bytes > dataLength(mbuf)) {
      return 0;
    }
    setDataOffset(mbuf, dataOffset(mbuf) + bytes);
    addLength(mbuf, -bytes);
    return dataAddress(mbuf);
  }

  private static void setDataOffset(long mbuf, int offset) {
    ALL.set(U16, mbuf + MbufLayout.DATA_OFF, (short) offset);
  }

  private static void addLength(long mbuf, int delta) {
    ALL.set(U16, mbuf + MbufLayout.DATA_LEN, (short) (dataLength(mbuf) + delta));
    ALL.set(U32, mbuf + MbufLayout.PKT_LEN, packetLength(mbuf) + delta);
  }

  /** Sets the frame length of a freshly allocated single-segment mbuf. */
  public static void setLength(long mbuf, int length) {
    ALL.set(U16, mbuf + MbufLayout.DATA_LEN, (short) length);
    ALL.set(U32, mbuf + MbufLayout.PKT_LEN, length);
  }

  /**
   * Sets the reference count of every segment with plain stores, as rte_mbuf_refcnt_set does per
   * segment. Only while the caller holds the only reference (a freshly received or copied mbuf):
   * flooding sets it to the number of ports that will each free it once. Every segment, because
   * rte_pktmbuf_free drops one reference of each: with the count on the head alone, the first
   * port's free returned the tail segments to the pool while the other ports still sent them, and
   * the second free returned them again, so the pool later handed one mbuf out twice.
   */
  public static void setRefCount(long mbuf, int count) {
    ALL.set(U16, mbuf + MbufLayout.REFCNT, (short) count);
    if (Short.toUnsignedInt(ALL.get(U16, mbuf + MbufLayout.NB_SEGS)) > 1) {
      for (long seg = ALL.get(U64, mbuf + MbufLayout.NEXT);
          seg != 0;
          seg = ALL.get(U64, seg + MbufLayout.NEXT)) {
        ALL.set(U16, seg + MbufLayout.REFCNT, (short) count);
      }
    }
  }

  /** Adds {@code delta} to the reference count atomically (flooding shares one mbuf). */
  public static void addReferences(long mbuf, int delta) {
    vswitch_shim_h.vs_mbuf_refcnt_update(MemorySegment.ofAddress(mbuf), (short) delta);
  }

  /** Returns the mbuf (every segment of it) to its pool, or drops one reference if shared. */
  public static void free(long mbuf) {
    vswitch_shim_h.vs_pktmbuf_free(MemorySegment.ofAddress(mbuf));
  }

  /**
   * Frees the first {@code n} mbufs of an array of mbuf pointers (a burst) in one downcall, as
   * {@link #free} would each.
   */
  public static void freeBulk(MemorySegment mbufs, int n) {
    vswitch_shim_h.vs_pktmbuf_free_bulk(mbufs, n);
  }

  /**
   * A deep copy of the mbuf (every segment, into one new mbuf chain) from {@code pool} (a {@link
   * Mempool#segment}), with the copy's reference count 1. Returns its address, or 0 when the pool
   * is empty: the caller drops and counts.
   */
  public static long copy(long mbuf, MemorySegment pool) {
    return vswitch_shim_h.vs_pktmbuf_copy(MemorySegment.ofAddress(mbuf), pool).address();
  }

  /**
   * One empty mbuf from {@code pool} (a {@link Mempool#segment}), headroom reserved; its address,
   * or 0 when the pool is empty.
   */
  public static long alloc(MemorySegment pool) {
    return vswitch_shim_h.vs_pktmbuf_alloc(pool).address();
  }

  /**
   * Fills the first {@code n} slots of an array of mbuf pointers with empty mbufs from {@code
   * pool}, all or none: false (and nothing taken) when the pool holds fewer than {@code n}.
   */
  public static boolean allocBulk(MemorySegment pool, MemorySegment mbufs, int n) {
    return vswitch_shim_h.vs_pktmbuf_alloc_bulk(pool, mbufs, n) == 0;
  }

  /**
   * Grows the frame at its tail by {@code bytes}, checked against the last segment's tailroom.
   * Returns the address of the first added byte, or 0 when it does not fit (nothing changed).
   */
  public static long append(long mbuf, int bytes) {
    if (bytes < 0 || bytes > 0xFFFF) {
      return 0;
    }
    return vswitch_shim_h.vs_pktmbuf_append(MemorySegment.ofAddress(mbuf), (short) bytes).address();
  }
}
