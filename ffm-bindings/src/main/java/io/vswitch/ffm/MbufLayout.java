package io.vswitch.ffm;

import io.vswitch.ffm.raw.vswitch_shim_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Offsets of the struct rte_mbuf fields the data path reads, as the C compiler laid them out for
 * the DPDK this shim was built against. Read once at class initialisation from vs_mbuf_layout,
 * never hard-coded: DPDK's build options move fields. The values are static final, so the JIT
 * treats them as constants on the fast path.
 */
public final class MbufLayout {
  // Indexes of enum vs_mbuf_field in vswitch_shim.h.
  static final int SIZEOF_INDEX = 0;
  static final int FIELD_COUNT = 17;

  private static final int[] VALUES = read();

  public static final int SIZEOF = VALUES[0];
  public static final int BUF_ADDR = VALUES[1];
  public static final int DATA_OFF = VALUES[2];
  public static final int REFCNT = VALUES[3];
  public static final int NB_SEGS = VALUES[4];
  public static final int PORT = VALUES[5];
  public static final int OL_FLAGS = VALUES[6];
  public static final int PACKET_TYPE = VALUES[7];
  public static final int PKT_LEN = VALUES[8];
  public static final int DATA_LEN = VALUES[9];
  public static final int VLAN_TCI = VALUES[10];
  public static final int HASH_RSS = VALUES[11];
  public static final int VLAN_TCI_OUTER = VALUES[12];
  public static final int BUF_LEN = VALUES[13];
  public static final int POOL = VALUES[14];
  public static final int NEXT = VALUES[15];

  /** RTE_PKTMBUF_HEADROOM: bytes reserved before the frame for prepending headers. */
  public static final int HEADROOM = VALUES[16];

  private MbufLayout() {}

  /** All values in vs_mbuf_field order; for tests that compare with other sources. */
  public static int[] values() {
    return VALUES.clone();
  }

  private static int[] read() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ValueLayout.JAVA_INT, FIELD_COUNT);
      int n = vswitch_shim_h.vs_mbuf_layout(out, FIELD_COUNT);
      if (n != FIELD_COUNT) {
        throw new IllegalStateException(
            "vs_mbuf_layout returned " + n + " fields, expected " + FIELD_COUNT);
      }
      return out.toArray(ValueLayout.JAVA_INT);
    }
  }
}
