// Raw struct binding in jextract's shape; see vswitch_shim_h for how this layer is made.
package io.vswitch.ffm.raw;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout.OfInt;
import java.lang.foreign.ValueLayout.OfLong;
import java.lang.foreign.ValueLayout.OfShort;

/**
 * The first two cache lines of struct rte_mbuf (DPDK 22.11, x86_64), up to next. The data path
 * takes its offsets from the shim at start-up (MbufLayout); this layout exists for tests and tools,
 * and a test checks it against the C compiler.
 */
@SuppressWarnings("unused")
public final class rte_mbuf {

  rte_mbuf() {}

  private static final GroupLayout $LAYOUT =
      MemoryLayout.structLayout(
              vswitch_shim_h.C_POINTER.withName("buf_addr"),
              vswitch_shim_h.C_LONG_LONG.withName("buf_iova"),
              vswitch_shim_h.C_SHORT.withName("data_off"),
              vswitch_shim_h.C_SHORT.withName("refcnt"),
              vswitch_shim_h.C_SHORT.withName("nb_segs"),
              vswitch_shim_h.C_SHORT.withName("port"),
              vswitch_shim_h.C_LONG_LONG.withName("ol_flags"),
              vswitch_shim_h.C_INT.withName("packet_type"),
              vswitch_shim_h.C_INT.withName("pkt_len"),
              vswitch_shim_h.C_SHORT.withName("data_len"),
              vswitch_shim_h.C_SHORT.withName("vlan_tci"),
              vswitch_shim_h.C_INT.withName("hash_rss"),
              vswitch_shim_h.C_INT.withName("hash_hi"),
              vswitch_shim_h.C_SHORT.withName("vlan_tci_outer"),
              vswitch_shim_h.C_SHORT.withName("buf_len"),
              vswitch_shim_h.C_POINTER.withName("pool"),
              vswitch_shim_h.C_POINTER.withName("next"))
          .withName("rte_mbuf");

  public static GroupLayout layout() {
    return $LAYOUT;
  }

  public static long sizeof() {
    return layout().byteSize();
  }

  public static MemorySegment allocate(SegmentAllocator allocator) {
    return allocator.allocate(layout());
  }

  private static final AddressLayout buf_addr$LAYOUT =
      (AddressLayout) $LAYOUT.select(groupElement("buf_addr"));
  private static final long buf_addr$OFFSET = $LAYOUT.byteOffset(groupElement("buf_addr"));

  public static long buf_addr$offset() {
    return buf_addr$OFFSET;
  }

  public static MemorySegment buf_addr(MemorySegment struct) {
    return struct.get(buf_addr$LAYOUT, buf_addr$OFFSET);
  }

  public static void buf_addr(MemorySegment struct, MemorySegment fieldValue) {
    struct.set(buf_addr$LAYOUT, buf_addr$OFFSET, fieldValue);
  }

  private static final OfLong buf_iova$LAYOUT = (OfLong) $LAYOUT.select(groupElement("buf_iova"));
  private static final long buf_iova$OFFSET = $LAYOUT.byteOffset(groupElement("buf_iova"));

  public static long buf_iova$offset() {
    return buf_iova$OFFSET;
  }

  public static long buf_iova(MemorySegment struct) {
    return struct.get(buf_iova$LAYOUT, buf_iova$OFFSET);
  }

  public static void buf_iova(MemorySegment struct, long fieldValue) {
    struct.set(buf_iova$LAYOUT, buf_iova$OFFSET, fieldValue);
  }

  private static final OfShort data_off$LAYOUT = (OfShort) $LAYOUT.select(groupElement("data_off"));
  private static final long data_off$OFFSET = $LAYOUT.byteOffset(groupElement("data_off"));

  public static long data_off$offset() {
    return data_off$OFFSET;
  }

  public static short data_off(MemorySegment struct) {
    return struct.get(data_off$LAYOUT, data_off$OFFSET);
  }

  public static void data_off(MemorySegment struct, short fieldValue) {
    struct.set(data_off$LAYOUT, data_off$OFFSET, fieldValue);
  }

  private static final OfShort refcnt$LAYOUT = (OfShort) $LAYOUT.select(groupElement("refcnt"));
  private static final long refcnt$OFFSET = $LAYOUT.byteOffset(groupElement("refcnt"));

  public static long refcnt$offset() {
    return refcnt$OFFSET;
  }

  public static short refcnt(MemorySegment struct) {
    return struct.get(refcnt$LAYOUT, refcnt$OFFSET);
  }

  public static void refcnt(MemorySegment struct, short fieldValue) {
    struct.set(refcnt$LAYOUT, refcnt$OFFSET, fieldValue);
  }

  private static final OfShort nb_segs$LAYOUT = (OfShort) $LAYOUT.select(groupElement("nb_segs"));
  private static final long nb_segs$OFFSET = $LAYOUT.byteOffset(groupElement("nb_segs"));

  public static long nb_segs$offset() {
    return nb_segs$OFFSET;
  }

  public static short nb_segs(MemorySegment struct) {
    return struct.get(nb_segs$LAYOUT, nb_segs$OFFSET);
  }

  public static void nb_segs(MemorySegment struct, short fieldValue) {
    struct.set(nb_segs$LAYOUT, nb_segs$OFFSET, fieldValue);
  }

  private static final OfShort port$LAYOUT = (OfShort) $LAYOUT.select(groupElement("port"));
  private static final long port$OFFSET = $LAYOUT.byteOffset(groupElement("port"));

  public static long port$offset() {
    return port$OFFSET;
  }

  public static short port(MemorySegment struct) {
    return struct.get(port$LAYOUT, port$OFFSET);
  }

  public static void port(MemorySegment struct, short fieldValue) {
    struct.set(port$LAYOUT, port$OFFSET, fieldValue);
  }

  private static final OfLong ol_flags$LAYOUT = (OfLong) $LAYOUT.select(groupElement("ol_flags"));
  private static final long ol_flags$OFFSET = $LAYOUT.byteOffset(groupElement("ol_flags"));

  public static long ol_flags$offset() {
    return ol_flags$OFFSET;
  }

  public static long ol_flags(MemorySegment struct) {
    return struct.get(ol_flags$LAYOUT, ol_flags$OFFSET);
  }

  public static void ol_flags(MemorySegment struct, long fieldValue) {
    struct.set(ol_flags$LAYOUT, ol_flags$OFFSET, fieldValue);
  }

  private static final OfInt packet_type$LAYOUT =
      (OfInt) $LAYOUT.select(groupElement("packet_type"));
  private static final long packet_type$OFFSET = $LAYOUT.byteOffset(groupElement("packet_type"));

  public static long packet_type$offset() {
    return packet_type$OFFSET;
  }

  public static int packet_type(MemorySegment struct) {
    return struct.get(packet_type$LAYOUT, packet_type$OFFSET);
  }

  public static void packet_type(MemorySegment struct, int fieldValue) {
    struct.set(packet_type$LAYOUT, packet_type$OFFSET, fieldValue);
  }

  private static final OfInt pkt_len$LAYOUT = (OfInt) $LAYOUT.select(groupElement("pkt_len"));
  private static final long pkt_len$OFFSET = $LAYOUT.byteOffset(groupElement("pkt_len"));

  public static long pkt_len$offset() {
    return pkt_len$OFFSET;
  }

  public static int pkt_len(MemorySegment struct) {
    return struct.get(pkt_len$LAYOUT, pkt_len$OFFSET);
  }

  public static void pkt_len(MemorySegment struct, int fieldValue) {
    struct.set(pkt_len$LAYOUT, pkt_len$OFFSET, fieldValue);
  }

  private static final OfShort data_len$LAYOUT = (OfShort) $LAYOUT.select(groupElement("data_len"));
  private static final long data_len$OFFSET = $LAYOUT.byteOffset(groupElement("data_len"));

  public static long data_len$offset() {
    return data_len$OFFSET;
  }

  public static short data_len(MemorySegment struct) {
    return struct.get(data_len$LAYOUT, data_len$OFFSET);
  }

  public static void data_len(MemorySegment struct, short fieldValue) {
    struct.set(data_len$LAYOUT, data_len$OFFSET, fieldValue);
  }

  private static final OfShort vlan_tci$LAYOUT = (OfShort) $LAYOUT.select(groupElement("vlan_tci"));
  private static final long vlan_tci$OFFSET = $LAYOUT.byteOffset(groupElement("vlan_tci"));

  public static long vlan_tci$offset() {
    return vlan_tci$OFFSET;
  }

  public static short vlan_tci(MemorySegment struct) {
    return struct.get(vlan_tci$LAYOUT, vlan_tci$OFFSET);
  }

  public static void vlan_tci(MemorySegment struct, short fieldValue) {
    struct.set(vlan_tci$LAYOUT, vlan_tci$OFFSET, fieldValue);
  }

  private static final OfInt hash_rss$LAYOUT = (OfInt) $LAYOUT.select(groupElement("hash_rss"));
  private static final long hash_rss$OFFSET = $LAYOUT.byteOffset(groupElement("hash_rss"));

  public static long hash_rss$offset() {
    return hash_rss$OFFSET;
  }

  public static int hash_rss(MemorySegment struct) {
    return struct.get(hash_rss$LAYOUT, hash_rss$OFFSET);
  }

  public static void hash_rss(MemorySegment struct, int fieldValue) {
    struct.set(hash_rss$LAYOUT, hash_rss$OFFSET, fieldValue);
  }

  private static final OfInt hash_hi$LAYOUT = (OfInt) $LAYOUT.select(groupElement("hash_hi"));
  private static final long hash_hi$OFFSET = $LAYOUT.byteOffset(groupElement("hash_hi"));

  public static long hash_hi$offset() {
    return hash_hi$OFFSET;
  }

  public static int hash_hi(MemorySegment struct) {
    return struct.get(hash_hi$LAYOUT, hash_hi$OFFSET);
  }

  public static void hash_hi(MemorySegment struct, int fieldValue) {
    struct.set(hash_hi$LAYOUT, hash_hi$OFFSET, fieldValue);
  }

  private static final OfShort vlan_tci_outer$LAYOUT =
      (OfShort) $LAYOUT.select(groupElement("vlan_tci_outer"));
  private static final long vlan_tci_outer$OFFSET =
      $LAYOUT.byteOffset(groupElement("vlan_tci_outer"));

  public static long vlan_tci_outer$offset() {
    return vlan_tci_outer$OFFSET;
  }

  public static short vlan_tci_outer(MemorySegment struct) {
    return struct.get(vlan_tci_outer$LAYOUT, vlan_tci_outer$OFFSET);
  }

  public static void vlan_tci_outer(MemorySegment struct, short fieldValue) {
    struct.set(vlan_tci_outer$LAYOUT, vlan_tci_outer$OFFSET, fieldValue);
  }

  private static final OfShort buf_len$LAYOUT = (OfShort) $LAYOUT.select(groupElement("buf_len"));
  private static final long buf_len$OFFSET = $LAYOUT.byteOffset(groupElement("buf_len"));

  public static long buf_len$offset() {
    return buf_len$OFFSET;
  }

  public static short buf_len(MemorySegment struct) {
    return struct.get(buf_len$LAYOUT, buf_len$OFFSET);
  }

  public static void buf_len(MemorySegment struct, short fieldValue) {
    struct.set(buf_len$LAYOUT, buf_len$OFFSET, fieldValue);
  }

  private static final AddressLayout pool$LAYOUT =
      (AddressLayout) $LAYOUT.select(groupElement("pool"));
  private static final long pool$OFFSET = $LAYOUT.byteOffset(groupElement("pool"));

  public static long pool$offset() {
    return pool$OFFSET;
  }

  public static MemorySegment pool(MemorySegment struct) {
    return struct.get(pool$LAYOUT, pool$OFFSET);
  }

  public static void pool(MemorySegment struct, MemorySegment fieldValue) {
    struct.set(pool$LAYOUT, pool$OFFSET, fieldValue);
  }

  private static final AddressLayout next$LAYOUT =
      (AddressLayout) $LAYOUT.select(groupElement("next"));
  private static final long next$OFFSET = $LAYOUT.byteOffset(groupElement("next"));

  public static long next$offset() {
    return next$OFFSET;
  }

  public static MemorySegment next(MemorySegment struct) {
    return struct.get(next$LAYOUT, next$OFFSET);
  }

  public static void next(MemorySegment struct, MemorySegment fieldValue) {
    struct.set(next$LAYOUT, next$OFFSET, fieldValue);
  }
}
