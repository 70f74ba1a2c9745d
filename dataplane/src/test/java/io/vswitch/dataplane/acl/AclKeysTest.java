package io.vswitch.dataplane.acl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.testing.HostileFrames;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The IPv4 table's words that {@link AclKeys#extract} makes on its own path ({@link
 * AclKeys#v4Addresses}, {@link AclKeys#v4Rest}) are exactly what {@link V4FlowTable} makes from the
 * finished key: a word that lost or moved a field would let two flows share one cached verdict.
 */
class AclKeysTest {
  private static final int[] VLANS = {0, 10, 4095, 4096};

  @Test
  void theIpv4WordsOfEveryHostileFrameAreTheTablesEncodingOfItsKey() {
    AclKeys keys = new AclKeys();
    int checked = 0;
    int v4 = 0;
    try (Arena arena = Arena.ofConfined()) {
      for (var c : HostileFrames.corpus()) {
        if (c.fate() == DropReason.BAD_IP_LENGTH || c.fate() == DropReason.TRUNCATED_HEADER) {
          continue; // the parse stage drops these before any key is made
        }
        for (byte[] frame : new byte[][] {c.frame(), v4Mapped(c.frame())}) {
          for (int vlan : VLANS) {
            v4 += extractAndCheck(keys, arena, frame, frame.length, vlan, c.name()) ? 1 : 0;
            checked++;
          }
        }
      }
    }
    // Not vacuous: IPv4 frames, IPv4-mapped IPv6 ones and VLANs out of range all occur.
    assertTrue(v4 > checked / 3 && v4 < checked, v4 + " of " + checked + " keys fit");
  }

  @Test
  void theIpv4WordsOfRandomIpv4FramesAreTheTablesEncodingOfTheirKeys() {
    SplittableRandom random = new SplittableRandom(7);
    AclKeys keys = new AclKeys();
    try (Arena arena = Arena.ofConfined()) {
      for (int n = 0; n < 5000; n++) {
        int protocol = new int[] {6, 17, 1, 132, random.nextInt(256)}[random.nextInt(5)];
        byte[] l4 = new byte[random.nextInt(30)];
        random.nextBytes(l4);
        int fragment = random.nextInt(4) == 0 ? random.nextInt(0x10000) : random.nextInt(2) << 13;
        byte[] ip = HostileFrames.ipv4(protocol, l4, fragment, random.nextInt(4));
        ip[12] = (byte) random.nextInt(256); // addresses with every bit, the sign bit too
        ip[16] = (byte) random.nextInt(256);
        ip[19] = (byte) random.nextInt(256);
        byte[] frame = new byte[14 + ip.length];
        frame[12] = 0x08;
        System.arraycopy(ip, 0, frame, 14, ip.length);
        int readable = 14 + 20 + random.nextInt(ip.length - 20 + 1);
        int vlan = VLANS[random.nextInt(VLANS.length)];
        extractAndCheck(keys, arena, frame, readable, vlan, "random " + n);
      }
    }
  }

  @Test
  void aTcpFramesWordsHoldItsAddressesPortsAndVlan() {
    AclKeys keys = new AclKeys();
    byte[] ip = HostileFrames.ipv4(AclFields.TCP, HostileFrames.tcp(80), 0, 0);
    byte[] frame = new byte[14 + ip.length];
    frame[12] = 0x08;
    System.arraycopy(ip, 0, frame, 14, ip.length);
    try (Arena arena = Arena.ofConfined()) {
      assertTrue(extractAndCheck(keys, arena, frame, frame.length, 10, "tcp 80"));
    }
    assertEquals(0x0A00_0001_0A00_0002L, keys.v4Addresses[3]);
    assertEquals(V4FlowTable.rest(80, 40000, AclFields.TCP, 10, false), keys.v4Rest[3]);
    assertEquals(40000, keys.fullKeys(-1)[3 * AclFields.COUNT + AclFields.SRC_PORT]);
    assertEquals(80, keys.fullKeys(-1)[3 * AclFields.COUNT + AclFields.DST_PORT]);
    assertEquals(0x02, keys.tcpFlags[3]);
  }

  /**
   * Extracts {@code frame} as packet 3 and checks its words against the table's encoding of the
   * key; returns whether the key fits the IPv4 table.
   */
  private static boolean extractAndCheck(
      AclKeys keys, Arena arena, byte[] frame, int readable, int vlan, String name) {
    MemorySegment segment = arena.allocate(frame.length);
    segment.copyFrom(MemorySegment.ofArray(frame));
    int etherType = (frame[12] & 0xFF) << 8 | (frame[13] & 0xFF);
    keys.v4Addresses[3] = 12345;
    keys.v4Rest[3] = 12345;
    io.vswitch.dataplane.testing.AclKeysOf.extractOne(
        keys, 3, segment.address(), readable, etherType, 1, 2, vlan, 14);
    int base = 3 * AclFields.COUNT;
    String what = name + ", vlan " + vlan + ": " + Arrays.toString(key(keys));
    if (!V4FlowTable.fits(keys.fullKeys(-1), base)) {
      assertEquals(AclKeys.NOT_V4, keys.v4Rest[3], what);
      return false;
    }
    assertEquals(V4FlowTable.addresses(keys.fullKeys(-1), base), keys.v4Addresses[3], what);
    assertEquals(V4FlowTable.rest(keys.fullKeys(-1), base), keys.v4Rest[3], what);
    if (etherType == 0x0800) {
      assertEquals(Arrays.toString(key(keys)), writtenRow(keys, segment, readable, vlan), what);
      // The walk's other results, from the same oracle: the L4 status, flags, L4 offset, length.
      assertEquals(keys.l4(5), keys.l4(3), "L4 status, " + what);
      assertEquals(keys.tcpFlags[5], keys.tcpFlags[3], "TCP flags, " + what);
      assertEquals(keys.l4Offset(5), keys.l4Offset(3), "L4 offset, " + what);
      assertEquals(keys.ipLength[5], keys.ipLength[3], "IP length, " + what);
    }
    return true;
  }

  /**
   * The row the extraction writes at once for the same frame: an IPv4 key whose VLAN does not fit
   * 12 bits is written field by field as parsed, never made from its words. Extracted as packet 5
   * with VLAN 4096 and given {@code vlan} back, it is the oracle for packet 3's row, which an IPv4
   * frame gets from its words only when asked.
   */
  private static String writtenRow(AclKeys keys, MemorySegment frame, int readable, int vlan) {
    io.vswitch.dataplane.testing.AclKeysOf.extractOne(
        keys, 5, frame.address(), readable, 0x0800, 1, 2, 4096, 14);
    assertEquals(AclKeys.NOT_V4, keys.v4Rest[5], "a VLAN out of 12 bits is never in the words");
    long[] row =
        Arrays.copyOfRange(keys.fullKeys(1 << 5), 5 * AclFields.COUNT, 6 * AclFields.COUNT);
    row[AclFields.VLAN] = vlan;
    return Arrays.toString(row);
  }

  private static long[] key(AclKeys keys) {
    return Arrays.copyOfRange(keys.fullKeys(-1), 3 * AclFields.COUNT, 4 * AclFields.COUNT);
  }

  /** An IPv6 frame with its addresses made IPv4-mapped (::ffff:a.b.c.d); others unchanged. */
  private static byte[] v4Mapped(byte[] frame) {
    byte[] copy = frame.clone();
    if ((copy[12] & 0xFF) == 0x86 && (copy[13] & 0xFF) == 0xdd && copy.length >= 14 + 40) {
      for (int address = 14 + 8; address < 14 + 40; address += 16) {
        Arrays.fill(copy, address, address + 10, (byte) 0);
        copy[address + 10] = (byte) 0xFF;
        copy[address + 11] = (byte) 0xFF;
      }
    }
    return copy;
  }
}
