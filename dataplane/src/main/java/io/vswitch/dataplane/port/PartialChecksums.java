package io.vswitch.dataplane.port;

import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.ffm.Mbuf;
import io.vswitch.ffm.NativeMemory;
import java.nio.ByteOrder;

/**
 * Fills in the TCP/UDP checksums that a local kernel left to "the NIC" (CHECKSUM_PARTIAL).
 *
 * <p>A host in a network namespace with default offloads (veth: tx-checksumming on) sends TCP and
 * UDP with the checksum field holding only the un-complemented, folded pseudo-header sum; the
 * device that would finish it is the switch. AF_XDP and AF_PACKET hand such frames over as they are
 * (DPDK 22.11's net_af_xdp and net_af_packet pass no checksum state), so a switch that forwards
 * bytes delivers segments every receiver drops: ping works, TCP does not. This does what the NIC
 * would have done: sum the L4 bytes (the field included, which carries the pseudo header) and store
 * the complement.
 *
 * <p>A frame is completed only when its field equals its own pseudo-header sum. A correct checksum
 * that happens to equal it is rewritten to the same value (if P + S = 0xFFFF then ~S = P), so only
 * a corrupt frame whose field is by chance its pseudo-header sum (1 in 65,536) is "repaired"; every
 * other corrupt checksum stays corrupt for the receiver to drop. UDP with checksum 0 ("none", IPv4)
 * is left alone, as are IPv4 fragments, IPv6 with extension headers in front of L4 (the kernel's
 * offload does not emit them for veth), headers not in the first segment and frames whose IP length
 * runs past it (a truncated GSO frame: {@code ParseStage} drops those).
 *
 * <p>Cost: a few loads per frame that is not partial; one pass over the L4 bytes (8 at a time) for
 * one that is. Allocation-free. Only ports that get frames from a local kernel run it ({@link
 * #applies(String)}).
 */
public final class PartialChecksums {
  private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
  private static final int TCP = 6;
  private static final int UDP = 17;

  /** What {@link #complete(long, int)} did with one frame. */
  public static final int LEFT = 0;

  public static final int COMPLETED = 1;

  private PartialChecksums() {}

  /**
   * Whether frames from a port of this DPDK driver may carry partial checksums: the kernel-socket
   * drivers of laptop mode. A NIC or a vhost-user guest never hands over CHECKSUM_PARTIAL here
   * (vhost would say so in its virtio header, which DPDK turns into mbuf flags we do not offer).
   */
  public static boolean applies(String driver) {
    return driver.equals("net_af_xdp") || driver.equals("net_af_packet");
  }

  /** Completes the partial checksums of every frame in the burst; returns how many it completed. */
  public static int completeBurst(PacketBatch batch) {
    int completed = 0;
    for (int i = 0; i < batch.count(); i++) {
      long mbuf = batch.mbuf(i);
      completed += complete(Mbuf.dataAddress(mbuf), Mbuf.dataLength(mbuf));
    }
    return completed;
  }

  /**
   * Completes the frame at {@code frame} (its first {@code length} bytes readable) if its TCP/UDP
   * checksum is partial; returns {@link #COMPLETED} or {@link #LEFT}.
   */
  public static int complete(long frame, int length) {
    if (length < 14) {
      return LEFT;
    }
    int l3 = 14;
    int type = NativeMemory.getShortBE(frame + 12);
    if (type == 0x8100) { // one 802.1Q tag: a trunk host with txvlan off puts it in the frame
      if (length < 18) {
        return LEFT;
      }
      type = NativeMemory.getShortBE(frame + 16);
      l3 = 18;
    }
    if (type == 0x0800) {
      return ipv4(frame + l3, length - l3);
    }
    if (type == 0x86dd) {
      return ipv6(frame + l3, length - l3);
    }
    return LEFT;
  }

  private static int ipv4(long ip, int room) {
    if (room < 20) {
      return LEFT;
    }
    int versionIhl = NativeMemory.getByte(ip) & 0xFF;
    int headerLength = (versionIhl & 0x0F) * 4;
    int totalLength = NativeMemory.getShortBE(ip + 2);
    if ((versionIhl >>> 4) != 4
        || headerLength < 20
        || totalLength < headerLength
        || totalLength > room
        || (NativeMemory.getShortBE(ip + 6) & 0x3FFF) != 0) { // MF or an offset: a fragment
      return LEFT;
    }
    int protocol = NativeMemory.getByte(ip + 9) & 0xFF;
    int l4Length = totalLength - headerLength;
    long pseudo =
        sumBE(ip + 12, 8) // source and destination
            + protocol
            + l4Length;
    return finish(ip + headerLength, l4Length, protocol, pseudo);
  }

  private static int ipv6(long ip, int room) {
    if (room < 40 || (NativeMemory.getByte(ip) & 0xF0) != 0x60) {
      return LEFT;
    }
    int payloadLength = NativeMemory.getShortBE(ip + 4);
    if (40 + payloadLength > room) {
      return LEFT;
    }
    int next = NativeMemory.getByte(ip + 6) & 0xFF;
    long pseudo = sumBE(ip + 8, 32) + next + payloadLength;
    return finish(ip + 40, payloadLength, next, pseudo);
  }

  /** Checks the L4 checksum field against the pseudo-header sum; completes it when they agree. */
  private static int finish(long l4, int l4Length, int protocol, long pseudo) {
    int field;
    if (protocol == TCP && l4Length >= 20) {
      field = 16;
    } else if (protocol == UDP && l4Length >= 8) {
      field = 6;
    } else {
      return LEFT;
    }
    int stored = NativeMemory.getShortBE(l4 + field);
    if (stored == 0 && protocol == UDP) {
      return LEFT; // UDP "no checksum"; the pseudo-header sum is never 0, so it is not partial
    }
    if (stored != fold(pseudo)) {
      return LEFT;
    }
    int checksum = ~fold(sumNative(l4, l4Length)) & 0xFFFF;
    if (checksum == 0 && protocol == UDP) {
      checksum = 0xFFFF; // RFC 768: a computed 0 is sent as all ones
    }
    NativeMemory.putShortBE(l4 + field, checksum);
    return COMPLETED;
  }

  /** The 16-bit big-endian words of an even-length header field, summed (not folded). */
  private static long sumBE(long address, int length) {
    long sum = 0;
    for (int i = 0; i < length; i += 2) {
      sum += NativeMemory.getShortBE(address + i);
    }
    return sum;
  }

  /**
   * The ones' complement sum of {@code length} bytes, folded to 16 bits, in network byte order.
   * Sums native-order 32-bit halves of 8-byte loads (RFC 1071: the sum is byte-order independent up
   * to one swap at the end); a long cannot overflow for any frame a port can hold.
   */
  static int sumNative(long address, int length) {
    long sum = 0;
    int i = 0;
    for (; i + 8 <= length; i += 8) {
      long v = NativeMemory.getLong(address + i);
      sum += (v & 0xFFFF_FFFFL) + (v >>> 32);
    }
    if (i + 4 <= length) {
      sum += NativeMemory.getInt(address + i) & 0xFFFF_FFFFL;
      i += 4;
    }
    if (i + 2 <= length) {
      sum += NativeMemory.getShort(address + i) & 0xFFFF;
      i += 2;
    }
    if (i < length) { // the odd last byte is the high half of a zero-padded network-order word
      int last = NativeMemory.getByte(address + i) & 0xFF;
      sum += LITTLE_ENDIAN ? last : last << 8;
    }
    int folded = fold(sum);
    return LITTLE_ENDIAN ? Integer.reverseBytes(folded) >>> 16 : folded;
  }

  /** End-around-carry fold to 16 bits; 0 only for a zero sum. */
  static int fold(long sum) {
    while ((sum >>> 16) != 0) {
      sum = (sum & 0xFFFF) + (sum >>> 16);
    }
    return (int) sum;
  }
}
