package io.vswitch.ffm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vswitch.ffm.raw.rte_mbuf;
import io.vswitch.ffm.raw.vs_link_info;
import io.vswitch.ffm.raw.vs_port_info;
import io.vswitch.ffm.raw.vs_port_stats;
import io.vswitch.ffm.raw.vswitch_shim_h;
import java.lang.foreign.Arena;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Every Java struct layout must agree with what the C compiler made of the same struct. */
class StructLayoutTest {

  /** sizeof, then the offset of each named member, in declaration order (as the shim reports). */
  private static long[] javaLayout(GroupLayout layout) {
    return java.util.stream.LongStream.concat(
            java.util.stream.LongStream.of(layout.byteSize()),
            layout.memberLayouts().stream()
                .filter(m -> m.name().isPresent())
                .mapToLong(
                    m -> layout.byteOffset(MemoryLayout.PathElement.groupElement(m.name().get()))))
        .toArray();
  }

  private static long[] cLayout(int kind) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment out = arena.allocate(ValueLayout.JAVA_INT, 16);
      int n = vswitch_shim_h.vs_struct_layout(kind, out, 16);
      return Arrays.stream(out.asSlice(0, 4L * n).toArray(ValueLayout.JAVA_INT))
          .asLongStream()
          .toArray();
    }
  }

  @Test
  void portStatsLayoutMatchesC() {
    assertArrayEquals(
        cLayout(vswitch_shim_h.VS_STRUCT_PORT_STATS), javaLayout(vs_port_stats.layout()));
  }

  @Test
  void linkInfoLayoutMatchesC() {
    assertArrayEquals(
        cLayout(vswitch_shim_h.VS_STRUCT_LINK_INFO), javaLayout(vs_link_info.layout()));
  }

  @Test
  void portInfoLayoutMatchesC() {
    assertArrayEquals(
        cLayout(vswitch_shim_h.VS_STRUCT_PORT_INFO), javaLayout(vs_port_info.layout()));
  }

  @Test
  void rawMbufLayoutMatchesOffsetsFromC() {
    assertEquals(rte_mbuf.buf_addr$offset(), MbufLayout.BUF_ADDR);
    assertEquals(rte_mbuf.data_off$offset(), MbufLayout.DATA_OFF);
    assertEquals(rte_mbuf.refcnt$offset(), MbufLayout.REFCNT);
    assertEquals(rte_mbuf.nb_segs$offset(), MbufLayout.NB_SEGS);
    assertEquals(rte_mbuf.port$offset(), MbufLayout.PORT);
    assertEquals(rte_mbuf.ol_flags$offset(), MbufLayout.OL_FLAGS);
    assertEquals(rte_mbuf.packet_type$offset(), MbufLayout.PACKET_TYPE);
    assertEquals(rte_mbuf.pkt_len$offset(), MbufLayout.PKT_LEN);
    assertEquals(rte_mbuf.data_len$offset(), MbufLayout.DATA_LEN);
    assertEquals(rte_mbuf.vlan_tci$offset(), MbufLayout.VLAN_TCI);
    assertEquals(rte_mbuf.hash_rss$offset(), MbufLayout.HASH_RSS);
    assertEquals(rte_mbuf.vlan_tci_outer$offset(), MbufLayout.VLAN_TCI_OUTER);
    assertEquals(rte_mbuf.buf_len$offset(), MbufLayout.BUF_LEN);
    assertEquals(rte_mbuf.pool$offset(), MbufLayout.POOL);
    assertEquals(rte_mbuf.next$offset(), MbufLayout.NEXT);
  }

  @Test
  void mbufIsTwoCacheLinesWithRoomForAVlanPush() {
    assertEquals(128, MbufLayout.SIZEOF);
    assertEquals(true, MbufLayout.HEADROOM >= 8, "headroom " + MbufLayout.HEADROOM);
  }

  @Test
  void shimApiVersionMatchesBindings() {
    assertEquals(vswitch_shim_h.VS_SHIM_API_VERSION, vswitch_shim_h.vs_api_version());
  }
}
