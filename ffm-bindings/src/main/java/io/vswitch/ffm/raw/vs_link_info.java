// Raw struct binding in jextract's shape; see vswitch_shim_h for how this layer is made.
package io.vswitch.ffm.raw;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout.OfInt;
import java.lang.foreign.ValueLayout.OfShort;

/** struct vs_link_info: link speed, duplex, autoneg and status. */
@SuppressWarnings("unused")
public final class vs_link_info {

  vs_link_info() {}

  private static final GroupLayout $LAYOUT =
      MemoryLayout.structLayout(
              vswitch_shim_h.C_INT.withName("speed_mbps"),
              vswitch_shim_h.C_SHORT.withName("full_duplex"),
              vswitch_shim_h.C_SHORT.withName("autoneg"),
              vswitch_shim_h.C_SHORT.withName("up"),
              vswitch_shim_h.C_SHORT.withName("reserved0"),
              vswitch_shim_h.C_INT.withName("reserved1"))
          .withName("vs_link_info");

  public static GroupLayout layout() {
    return $LAYOUT;
  }

  public static long sizeof() {
    return layout().byteSize();
  }

  public static MemorySegment allocate(SegmentAllocator allocator) {
    return allocator.allocate(layout());
  }

  private static final OfInt speed_mbps$LAYOUT = (OfInt) $LAYOUT.select(groupElement("speed_mbps"));
  private static final long speed_mbps$OFFSET = $LAYOUT.byteOffset(groupElement("speed_mbps"));

  public static long speed_mbps$offset() {
    return speed_mbps$OFFSET;
  }

  public static int speed_mbps(MemorySegment struct) {
    return struct.get(speed_mbps$LAYOUT, speed_mbps$OFFSET);
  }

  public static void speed_mbps(MemorySegment struct, int fieldValue) {
    struct.set(speed_mbps$LAYOUT, speed_mbps$OFFSET, fieldValue);
  }

  private static final OfShort full_duplex$LAYOUT =
      (OfShort) $LAYOUT.select(groupElement("full_duplex"));
  private static final long full_duplex$OFFSET = $LAYOUT.byteOffset(groupElement("full_duplex"));

  public static long full_duplex$offset() {
    return full_duplex$OFFSET;
  }

  public static short full_duplex(MemorySegment struct) {
    return struct.get(full_duplex$LAYOUT, full_duplex$OFFSET);
  }

  public static void full_duplex(MemorySegment struct, short fieldValue) {
    struct.set(full_duplex$LAYOUT, full_duplex$OFFSET, fieldValue);
  }

  private static final OfShort autoneg$LAYOUT = (OfShort) $LAYOUT.select(groupElement("autoneg"));
  private static final long autoneg$OFFSET = $LAYOUT.byteOffset(groupElement("autoneg"));

  public static long autoneg$offset() {
    return autoneg$OFFSET;
  }

  public static short autoneg(MemorySegment struct) {
    return struct.get(autoneg$LAYOUT, autoneg$OFFSET);
  }

  public static void autoneg(MemorySegment struct, short fieldValue) {
    struct.set(autoneg$LAYOUT, autoneg$OFFSET, fieldValue);
  }

  private static final OfShort up$LAYOUT = (OfShort) $LAYOUT.select(groupElement("up"));
  private static final long up$OFFSET = $LAYOUT.byteOffset(groupElement("up"));

  public static long up$offset() {
    return up$OFFSET;
  }

  public static short up(MemorySegment struct) {
    return struct.get(up$LAYOUT, up$OFFSET);
  }

  public static void up(MemorySegment struct, short fieldValue) {
    struct.set(up$LAYOUT, up$OFFSET, fieldValue);
  }

  private static final OfShort reserved0$LAYOUT =
      (OfShort) $LAYOUT.select(groupElement("reserved0"));
  private static final long reserved0$OFFSET = $LAYOUT.byteOffset(groupElement("reserved0"));

  public static long reserved0$offset() {
    return reserved0$OFFSET;
  }

  public static short reserved0(MemorySegment struct) {
    return struct.get(reserved0$LAYOUT, reserved0$OFFSET);
  }

  public static void reserved0(MemorySegment struct, short fieldValue) {
    struct.set(reserved0$LAYOUT, reserved0$OFFSET, fieldValue);
  }

  private static final OfInt reserved1$LAYOUT = (OfInt) $LAYOUT.select(groupElement("reserved1"));
  private static final long reserved1$OFFSET = $LAYOUT.byteOffset(groupElement("reserved1"));

  public static long reserved1$offset() {
    return reserved1$OFFSET;
  }

  public static int reserved1(MemorySegment struct) {
    return struct.get(reserved1$LAYOUT, reserved1$OFFSET);
  }

  public static void reserved1(MemorySegment struct, int fieldValue) {
    struct.set(reserved1$LAYOUT, reserved1$OFFSET, fieldValue);
  }
}
