// Raw struct binding in jextract's shape; see vswitch_shim_h for how this layer is made.
package io.vswitch.ffm.raw;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout.OfLong;

/** struct vs_port_stats: aggregate ethdev counters of one port. */
@SuppressWarnings("unused")
public final class vs_port_stats {

  vs_port_stats() {}

  private static final GroupLayout $LAYOUT =
      MemoryLayout.structLayout(
              vswitch_shim_h.C_LONG_LONG.withName("ipackets"),
              vswitch_shim_h.C_LONG_LONG.withName("opackets"),
              vswitch_shim_h.C_LONG_LONG.withName("ibytes"),
              vswitch_shim_h.C_LONG_LONG.withName("obytes"),
              vswitch_shim_h.C_LONG_LONG.withName("imissed"),
              vswitch_shim_h.C_LONG_LONG.withName("ierrors"),
              vswitch_shim_h.C_LONG_LONG.withName("oerrors"),
              vswitch_shim_h.C_LONG_LONG.withName("rx_nombuf"))
          .withName("vs_port_stats");

  public static GroupLayout layout() {
    return $LAYOUT;
  }

  public static long sizeof() {
    return layout().byteSize();
  }

  public static MemorySegment allocate(SegmentAllocator allocator) {
    return allocator.allocate(layout());
  }

  private static final OfLong ipackets$LAYOUT = (OfLong) $LAYOUT.select(groupElement("ipackets"));
  private static final long ipackets$OFFSET = $LAYOUT.byteOffset(groupElement("ipackets"));

  public static long ipackets$offset() {
    return ipackets$OFFSET;
  }

  public static long ipackets(MemorySegment struct) {
    return struct.get(ipackets$LAYOUT, ipackets$OFFSET);
  }

  public static void ipackets(MemorySegment struct, long fieldValue) {
    struct.set(ipackets$LAYOUT, ipackets$OFFSET, fieldValue);
  }

  private static final OfLong opackets$LAYOUT = (OfLong) $LAYOUT.select(groupElement("opackets"));
  private static final long opackets$OFFSET = $LAYOUT.byteOffset(groupElement("opackets"));

  public static long opackets$offset() {
    return opackets$OFFSET;
  }

  public static long opackets(MemorySegment struct) {
    return struct.get(opackets$LAYOUT, opackets$OFFSET);
  }

  public static void opackets(MemorySegment struct, long fieldValue) {
    struct.set(opackets$LAYOUT, opackets$OFFSET, fieldValue);
  }

  private static final OfLong ibytes$LAYOUT = (OfLong) $LAYOUT.select(groupElement("ibytes"));
  private static final long ibytes$OFFSET = $LAYOUT.byteOffset(groupElement("ibytes"));

  public static long ibytes$offset() {
    return ibytes$OFFSET;
  }

  public static long ibytes(MemorySegment struct) {
    return struct.get(ibytes$LAYOUT, ibytes$OFFSET);
  }

  public static void ibytes(MemorySegment struct, long fieldValue) {
    struct.set(ibytes$LAYOUT, ibytes$OFFSET, fieldValue);
  }

  private static final OfLong obytes$LAYOUT = (OfLong) $LAYOUT.select(groupElement("obytes"));
  private static final long obytes$OFFSET = $LAYOUT.byteOffset(groupElement("obytes"));

  public static long obytes$offset() {
    return obytes$OFFSET;
  }

  public static long obytes(MemorySegment struct) {
    return struct.get(obytes$LAYOUT, obytes$OFFSET);
  }

  public static void obytes(MemorySegment struct, long fieldValue) {
    struct.set(obytes$LAYOUT, obytes$OFFSET, fieldValue);
  }

  private static final OfLong imissed$LAYOUT = (OfLong) $LAYOUT.select(groupElement("imissed"));
  private static final long imissed$OFFSET = $LAYOUT.byteOffset(groupElement("imissed"));

  public static long imissed$offset() {
    return imissed$OFFSET;
  }

  public static long imissed(MemorySegment struct) {
    return struct.get(imissed$LAYOUT, imissed$OFFSET);
  }

  public static void imissed(MemorySegment struct, long fieldValue) {
    struct.set(imissed$LAYOUT, imissed$OFFSET, fieldValue);
  }

  private static final OfLong ierrors$LAYOUT = (OfLong) $LAYOUT.select(groupElement("ierrors"));
  private static final long ierrors$OFFSET = $LAYOUT.byteOffset(groupElement("ierrors"));

  public static long ierrors$offset() {
    return ierrors$OFFSET;
  }

  public static long ierrors(MemorySegment struct) {
    return struct.get(ierrors$LAYOUT, ierrors$OFFSET);
  }

  public static void ierrors(MemorySegment struct, long fieldValue) {
    struct.set(ierrors$LAYOUT, ierrors$OFFSET, fieldValue);
  }

  private static final OfLong oerrors$LAYOUT = (OfLong) $LAYOUT.select(groupElement("oerrors"));
  private static final long oerrors$OFFSET = $LAYOUT.byteOffset(groupElement("oerrors"));

  public static long oerrors$offset() {
    return oerrors$OFFSET;
  }

  public static long oerrors(MemorySegment struct) {
    return struct.get(oerrors$LAYOUT, oerrors$OFFSET);
  }

  public static void oerrors(MemorySegment struct, long fieldValue) {
    struct.set(oerrors$LAYOUT, oerrors$OFFSET, fieldValue);
  }

  private static final OfLong rx_nombuf$LAYOUT = (OfLong) $LAYOUT.select(groupElement("rx_nombuf"));
  private static final long rx_nombuf$OFFSET = $LAYOUT.byteOffset(groupElement("rx_nombuf"));

  public static long rx_nombuf$offset() {
    return rx_nombuf$OFFSET;
  }

  public static long rx_nombuf(MemorySegment struct) {
    return struct.get(rx_nombuf$LAYOUT, rx_nombuf$OFFSET);
  }

  public static void rx_nombuf(MemorySegment struct, long fieldValue) {
    struct.set(rx_nombuf$LAYOUT, rx_nombuf$OFFSET, fieldValue);
  }
}
