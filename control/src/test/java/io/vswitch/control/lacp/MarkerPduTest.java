package io.vswitch.control.lacp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.lacp.MarkerPdu.Fault;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The Marker PDU codec against the layout of IEEE 802.1AX-2014 6.5.3 written out octet by octet: a
 * Marker Information PDU decoded, its Marker Response encoded byte for byte (pad and reserved
 * octets zero whatever came in), and every kind of damage refused with its reason.
 */
class MarkerPduTest {
  /** A Marker Information PDU as a partner's distributor sends it, field by field. */
  private static final String INFORMATION =
      "0180c2000002" // destination: Slow_Protocols_Multicast
          + "865baf775c45" // source: the requester's port MAC
          + "8809" // Slow_Protocols_Type
          + "02" // subtype Marker
          + "01" // version 1
          + "01" // TLV Marker Information
          + "10" // its length, 16
          + "0007" // requester port
          + "865baf775c40" // requester system
          + "8badf00d" // requester transaction ID
          + "0000" // pad
          + "00" // TLV terminator
          + "00" // its length, 0
          + "00".repeat(90); // reserved, 90

  /** Its Marker Response from our port 02:00:00:aa:bb:cc. */
  private static final String RESPONSE =
      "0180c2000002"
          + "020000aabbcc" // source: the answering port's MAC
          + "8809"
          + "02"
          + "01"
          + "02" // TLV Marker Response
          + "10"
          + "0007" // the requester's port, system and transaction, copied
          + "865baf775c40"
          + "8badf00d"
          + "0000"
          + "00"
          + "00"
          + "00".repeat(90);

  private static byte[] information() {
    return HexFormat.of().parseHex(INFORMATION);
  }

  @Test
  void decodesAMarkerInformationPduAndAnswersItByteForByte() throws Exception {
    byte[] f = information();
    assertEquals(124, f.length);
    assertTrue(MarkerPdu.isMarker(f, 0, f.length));
    MarkerPdu pdu = MarkerPdu.decode(f, 0, f.length, f.length);
    assertTrue(pdu.information());
    assertEquals(7, pdu.requesterPort());
    assertEquals(0x865b_af77_5c40L, pdu.requesterSystem());
    assertEquals(0x8badf00d, pdu.transaction());
    assertEquals(RESPONSE, HexFormat.of().formatHex(pdu.response().encode(0x0200_00aa_bbccL)));
  }

  @Test
  void theResponseCarriesNoneOfTheRequestsPadOrReservedOctets() throws Exception {
    byte[] f = information();
    f[30] = (byte) 0xAA; // pad
    f[31] = 0x55;
    for (int i = 34; i < 124; i++) {
      f[i] = (byte) i; // reserved
    }
    MarkerPdu pdu = MarkerPdu.decode(f, 0, f.length, f.length);
    assertArrayEquals(HexFormat.of().parseHex(RESPONSE), pdu.response().encode(0x0200_00aa_bbccL));
  }

  @Test
  void decodesAtAnOffsetAndWithAKeptFcs() throws Exception {
    byte[] f = information();
    byte[] padded = new byte[10 + f.length + 4];
    System.arraycopy(f, 0, padded, 10, f.length);
    MarkerPdu pdu = MarkerPdu.decode(padded, 10, f.length + 4, f.length + 4);
    assertEquals(0x8badf00d, pdu.transaction());
  }

  @Test
  void aMarkerResponseDecodesAsOneAndRoundTrips() throws Exception {
    byte[] f = HexFormat.of().parseHex(RESPONSE);
    MarkerPdu pdu = MarkerPdu.decode(f, 0, f.length, f.length);
    assertFalse(pdu.information());
    assertArrayEquals(f, pdu.encode(0x0200_00aa_bbccL));
  }

  @Test
  void aLacpduIsNoMarker() {
    byte[] f = information();
    f[14] = 1;
    assertFalse(MarkerPdu.isMarker(f, 0, f.length));
    assertFalse(MarkerPdu.isMarker(f, 0, 14), "too short to say");
  }

  private static void refused(Fault fault, byte[] f, int captured, int length) {
    MarkerPdu.Malformed e =
        assertThrows(MarkerPdu.Malformed.class, () -> MarkerPdu.decode(f, 0, captured, length));
    assertEquals(fault, e.fault);
  }

  private static byte[] with(int at, int value) {
    byte[] f = information();
    f[at] = (byte) value;
    return f;
  }

  @Test
  void everyDamageIsRefusedWithItsReason() {
    byte[] f = information();
    refused(Fault.BAD_LENGTH, f, 123, 123); // short
    refused(Fault.BAD_LENGTH, f, 123, 124); // captured short of its length
    refused(Fault.BAD_LENGTH, java.util.Arrays.copyOf(f, 129), 129, 129); // long
    refused(Fault.BAD_LENGTH, f, 60, 60); // the minimum Ethernet frame: too short for a PDU
    refused(Fault.NOT_SLOW_PROTOCOLS, with(12, 0x81), 124, 124); // tagged / another type
    refused(Fault.NOT_SLOW_PROTOCOLS, with(13, 0x08), 124, 124);
    refused(Fault.NOT_SLOW_PROTOCOLS_ADDRESS, with(5, 0x03), 124, 124);
    refused(Fault.NOT_SLOW_PROTOCOLS_ADDRESS, with(0, 0xff), 124, 124);
    refused(Fault.NOT_MARKER, with(14, 0x03), 124, 124); // OAM
    refused(Fault.BAD_VERSION, with(15, 0x02), 124, 124);
    refused(Fault.BAD_VERSION, with(15, 0x00), 124, 124);
    refused(Fault.BAD_MARKER_TLV, with(16, 0x03), 124, 124); // neither information nor response
    refused(Fault.BAD_MARKER_TLV, with(16, 0x00), 124, 124);
    refused(Fault.BAD_MARKER_TLV, with(17, 0x14), 124, 124); // a LACPDU's TLV length
    refused(Fault.BAD_MARKER_TLV, with(17, 0x0f), 124, 124);
    refused(Fault.BAD_TERMINATOR_TLV, with(32, 0x01), 124, 124);
    refused(Fault.BAD_TERMINATOR_TLV, with(33, 0x10), 124, 124);
  }

  @Test
  void randomCorruptionOfAFixedOctetIsAlwaysRefused() {
    java.util.Random random = new java.util.Random(7);
    int[] fixed = {0, 1, 2, 3, 4, 5, 12, 13, 14, 15, 17, 32, 33};
    for (int n = 0; n < 5000; n++) {
      byte[] f = information();
      int at = fixed[n % fixed.length];
      f[at] ^= (byte) (1 + random.nextInt(255));
      assertThrows(MarkerPdu.Malformed.class, () -> MarkerPdu.decode(f, 0, 124, 124), "at " + at);
    }
  }
}
