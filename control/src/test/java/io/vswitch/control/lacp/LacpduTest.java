package io.vswitch.control.lacp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vswitch.control.lacp.Lacpdu.Fault;
import io.vswitch.control.lacp.Lacpdu.Info;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The LACPDU codec against the layout of IEEE 802.1AX-2014 6.4.2.3 written out octet by octet, a
 * round trip, and every kind of damage refused with its reason.
 */
class LacpduTest {
  private static final Info ACTOR =
      new Info(0x8000, 0x0200_00aa_bbccL, 0x0001, 0x00ff, 0x0002, 0x3d);
  private static final Info PARTNER =
      new Info(0xfffe, 0x865b_af77_5c45L, 0x0011, 0xffff, 0x0001, 0x3f);

  /** The frame, field by field as the standard lays them out. */
  private static final String FRAME =
      "0180c2000002" // destination: Slow_Protocols_Multicast
          + "020000000042" // source: the port's MAC
          + "8809" // Slow_Protocols_Type
          + "01" // subtype LACP
          + "01" // version 1
          + "01" // TLV actor information
          + "14" // its length, 20
          + "8000" // actor system priority
          + "020000aabbcc" // actor system
          + "0001" // actor key
          + "00ff" // actor port priority
          + "0002" // actor port
          + "3d" // actor state: activity, aggregation, sync, collecting, distributing (long
          // timeout)
          + "000000" // reserved
          + "02" // TLV partner information
          + "14"
          + "fffe"
          + "865baf775c45"
          + "0011"
          + "ffff"
          + "0001"
          + "3f"
          + "000000"
          + "03" // TLV collector information
          + "10" // its length, 16
          + "0005" // collector max delay
          + "000000000000000000000000" // reserved, 12
          + "00" // TLV terminator
          + "00" // its length, 0
          + "00".repeat(50); // reserved, 50

  private static byte[] valid() {
    return HexFormat.of().parseHex(FRAME);
  }

  @Test
  void encodesTheStandardsLayoutByteForByteIn124Bytes() {
    byte[] expected = valid();
    assertEquals(124, expected.length);
    assertEquals(110, expected.length - 14, "the PDU itself is 110 octets");
    byte[] f = new Lacpdu(ACTOR, PARTNER, 5).encode(0x0200_0000_0042L);
    assertArrayEquals(expected, f, () -> HexFormat.of().formatHex(f));
  }

  @Test
  void decodesWhatItEncodesAndWhatThePartnerSent() throws Exception {
    Lacpdu pdu = Lacpdu.decode(valid(), 0, 124, 124);
    assertEquals(new Lacpdu(ACTOR, PARTNER, 5), pdu);
    byte[] padded = new byte[200];
    System.arraycopy(valid(), 0, padded, 40, 124);
    assertEquals(pdu, Lacpdu.decode(padded, 40, 124, 128), "at an offset, with an FCS kept");
    byte[] reserved = valid();
    reserved[33] = 0x7f; // a reserved octet of the actor TLV
    reserved[100] = 0x55; // one of the 50 after the terminator
    assertEquals(pdu, Lacpdu.decode(reserved, 0, 124, 124), "reserved octets are ignored");
  }

  private static Fault fault(byte[] f, int captured, int length) {
    return assertThrows(Lacpdu.Malformed.class, () -> Lacpdu.decode(f, 0, captured, length)).fault;
  }

  private static Fault fault(int at, int value) {
    byte[] f = valid();
    f[at] = (byte) value;
    return fault(f, 124, 124);
  }

  @Test
  void refusesEveryDamageWithItsReason() {
    assertEquals(Fault.BAD_LENGTH, fault(valid(), 123, 123), "one byte short");
    assertEquals(Fault.BAD_LENGTH, fault(valid(), 60, 60), "a minimum frame");
    assertEquals(Fault.BAD_LENGTH, fault(valid(), 124, 129), "longer than a LACPDU and an FCS");
    assertEquals(Fault.BAD_LENGTH, fault(valid(), 100, 124), "not all of it captured");
    assertEquals(Fault.NOT_SLOW_PROTOCOLS_ADDRESS, fault(5, 0x03));
    assertEquals(Fault.NOT_SLOW_PROTOCOLS_ADDRESS, fault(0, 0xff));
    assertEquals(Fault.NOT_SLOW_PROTOCOLS, fault(12, 0x81), "tagged (0x8100)");
    assertEquals(Fault.NOT_LACP, fault(14, 2), "a Marker PDU");
    assertEquals(Fault.NOT_LACP, fault(14, 0));
    assertEquals(Fault.BAD_VERSION, fault(15, 2));
    assertEquals(Fault.BAD_VERSION, fault(15, 0));
    assertEquals(Fault.BAD_ACTOR_TLV, fault(16, 2), "actor TLV type");
    assertEquals(Fault.BAD_ACTOR_TLV, fault(17, 19), "actor TLV length");
    assertEquals(Fault.BAD_ACTOR_TLV, fault(17, 0xff));
    assertEquals(Fault.BAD_PARTNER_TLV, fault(36, 1));
    assertEquals(Fault.BAD_PARTNER_TLV, fault(37, 21));
    assertEquals(Fault.BAD_COLLECTOR_TLV, fault(56, 0));
    assertEquals(Fault.BAD_COLLECTOR_TLV, fault(57, 20));
    assertEquals(Fault.BAD_TERMINATOR_TLV, fault(72, 3));
    assertEquals(Fault.BAD_TERMINATOR_TLV, fault(73, 1));
  }

  @Test
  void everySingleByteCorruptionOfTheCheckedFieldsIsRefusedAndNothingThrowsOtherwise() {
    int[] checked = {0, 1, 2, 3, 4, 5, 12, 13, 14, 15, 16, 17, 36, 37, 56, 57, 72, 73};
    for (int at : checked) {
      for (int v = 0; v < 256; v++) {
        byte[] f = valid();
        if ((f[at] & 0xFF) == v) {
          continue;
        }
        f[at] = (byte) v;
        try {
          Lacpdu.decode(f, 0, 124, 124);
          throw new AssertionError("byte " + at + " = " + v + " was taken");
        } catch (Lacpdu.Malformed expected) {
          // refused, with a reason
        }
      }
    }
  }

  @Test
  void statesAreNamedAsOvsNamesThem() {
    assertEquals(
        "activity,timeout,aggregation,synchronization,collecting,distributing",
        LacpState.describe(0x3f));
    assertEquals("defaulted,expired", LacpState.describe(0xc0));
    assertEquals("-", LacpState.describe(0));
  }
}
