// Raw struct binding in jextract's shape; see vswitch_shim_h for how this layer is made.
package io.vswitch.ffm.raw;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.SequenceLayout;
import java.lang.foreign.ValueLayout.OfInt;
import java.lang.foreign.ValueLayout.OfLong;
import java.lang.foreign.ValueLayout.OfShort;

/** struct vs_port_info: driver name, MAC, queue limits, NUMA socket, RSS offloads. */
@SuppressWarnings("unused")
public final class vs_port_info {

  vs_port_info() {}

  private static final GroupLayout $LAYOUT =
      MemoryLayout.structLayout(
              MemoryLayout.sequenceLayout(32, vswitch_shim_h.C_CHAR).withName("driver_name"),
              MemoryLayout.sequenceLayout(6, vswitch_shim_h.C_CHAR).withName("mac"),
              vswitch_shim_h.C_SHORT.withName("max_rx_queues"),
              vswitch_shim_h.C_SHORT.withName("max_tx_queues"),
              vswitch_shim_h.C_SHORT.withName("reserved0"),
              vswitch_shim_h.C_INT.withName("socket_id"),
              vswitch_shim_h.C_LONG_LONG.withName("rss_offloads"))
          .withName("vs_port_info");

  public static GroupLayout layout() {
    return $LAYOUT;
  }

  public static long sizeof() {
    return layout().byteSize();
  }

  public static MemorySegment allocate(SegmentAllocator allocator) {
    return allocator.allocate(layout());
  }

  private static final SequenceLayout driver_name$LAYOUT =
      (SequenceLayout) $LAYOUT.select(groupElement("driver_name"));
  private static final long driver_name$OFFSET = $LAYOUT.byteOffset(groupElement("driver_name"));

  public static long driver_name$offset() {
    return driver_name$OFFSET;
  }

  public static MemorySegment driver_name(MemorySegment struct) {
    return struct.asSlice(driver_name$OFFSET, driver_name$LAYOUT.byteSize());
  }

  private static final SequenceLayout mac$LAYOUT =
      (SequenceLayout) $LAYOUT.select(groupElement("mac"));
  private static final long mac$OFFSET = $LAYOUT.byteOffset(groupElement("mac"));

  public static long mac$offset() {
    return mac$OFFSET;
  }

  public static MemorySegment mac(MemorySegment struct) {
    return struct.asSlice(mac$OFFSET, mac$LAYOUT.byteSize());
  }

  private static final OfShort max_rx_queues$LAYOUT =
      (OfShort) $LAYOUT.select(groupElement("max_rx_queues"));
  private static final long max_rx_queues$OFFSET =
      $LAYOUT.byteOffset(groupElement("max_rx_queues"));

  public static long max_rx_queues$offset() {
    return max_rx_queues$OFFSET;
  }

  public static short max_rx_queues(MemorySegment struct) {
    return struct.get(max_rx_queues$LAYOUT, max_rx_queues$OFFSET);
  }

  public static void max_rx_queues(MemorySegment struct, short fieldValue) {
    struct.set(max_rx_queues$LAYOUT, max_rx_queues$OFFSET, fieldValue);
  }

  private static final OfShort max_tx_queues$LAYOUT =
      (OfShort) $LAYOUT.select(groupElement("max_tx_queues"));
  private static final long max_tx_queues$OFFSET =
      $LAYOUT.byteOffset(groupElement("max_tx_queues"));

  public static long max_tx_queues$offset() {
    return max_tx_queues$OFFSET;
  }

  public static short max_tx_queues(MemorySegment struct) {
    return struct.get(max_tx_queues$LAYOUT, max_tx_queues$OFFSET);
  }

  public static void max_tx_queues(MemorySegment struct, short fieldValue) {
    struct.set(max_tx_queues$LAYOUT, max_tx_queues$OFFSET, fieldValue);
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

  private static final OfInt socket_id$LAYOUT = (OfInt) $LAYOUT.select(groupElement("socket_id"));
  private static final long socket_id$OFFSET = $LAYOUT.byteOffset(groupElement("socket_id"));

  public static long socket_id$offset() {
    return socket_id$OFFSET;
  }

  public static int socket_id(MemorySegment struct) {
    return struct.get(socket_id$LAYOUT, socket_id$OFFSET);
  }

  public static void socket_id(MemorySegment struct, int fieldValue) {
    struct.set(socket_id$LAYOUT, socket_id$OFFSET, fieldValue);
  }

  private static final OfLong rss_offloads$LAYOUT =
      (OfLong) $LAYOUT.select(groupElement("rss_offloads"));
  private static final long rss_offloads$OFFSET = $LAYOUT.byteOffset(groupElement("rss_offloads"));

  public static long rss_offloads$offset() {
    return rss_offloads$OFFSET;
  }

  public static long rss_offloads(MemorySegment struct) {
    return struct.get(rss_offloads$LAYOUT, rss_offloads$OFFSET);
  }

  public static void rss_offloads(MemorySegment struct, long fieldValue) {
    struct.set(rss_offloads$LAYOUT, rss_offloads$OFFSET, fieldValue);
  }
}
