package io.vswitch.ffm;

import io.vswitch.ffm.raw.vswitch_shim_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A pool of packet buffers (rte_pktmbuf_pool_create) with a per-lcore cache, so workers that
 * registered with DPDK take and return mbufs without touching the shared ring.
 */
public final class Mempool implements AutoCloseable {
  /** Room for a 1518-byte frame plus VLAN tags, like RTE_MBUF_DEFAULT_DATAROOM. */
  public static final int DEFAULT_DATA_ROOM = 2048;

  private final String name;
  private final MemorySegment pool;
  private final int size;
  private boolean closed;

  private Mempool(String name, MemorySegment pool, int size) {
    this.name = name;
    this.pool = pool;
    this.size = size;
  }

  /**
   * Creates a pool of {@code count} mbufs ({@code 2^k - 1} is the most memory-efficient) with a
   * per-lcore cache of {@code cacheSize} and {@code dataRoom} bytes of data each (headroom
   * included).
   */
  public static Mempool create(String name, int count, int cacheSize, int dataRoom) {
    MemorySegment pool;
    try (Arena arena = Arena.ofConfined()) {
      pool =
          vswitch_shim_h.vs_pktmbuf_pool_create(
              arena.allocateFrom(name),
              count,
              cacheSize,
              (short) (dataRoom + MbufLayout.HEADROOM),
              -1);
    }
    if (pool.address() == 0) {
      throw new DpdkException(
          "cannot create mbuf pool '"
              + name
              + "' of "
              + count
              + " mbufs: out of DPDK memory (give EAL more with -m, or reserve hugepages)",
          12);
    }
    return new Mempool(name, pool, count);
  }

  public String name() {
    return name;
  }

  /** The struct rte_mempool pointer, for downcalls. */
  public MemorySegment segment() {
    return pool;
  }

  public int size() {
    return size;
  }

  /** Mbufs out of the pool: in rings, in flight, or leaked. Per-lcore caches count as free. */
  public int inUse() {
    return vswitch_shim_h.vs_mempool_in_use(pool);
  }

  public int available() {
    return vswitch_shim_h.vs_mempool_avail(pool);
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      vswitch_shim_h.vs_mempool_free(pool);
    }
  }
}
