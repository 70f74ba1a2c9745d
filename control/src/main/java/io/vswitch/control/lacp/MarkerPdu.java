package io.vswitch.control.lacp;

/**
 * A Marker PDU (IEEE 802.1AX-2014 6.5.3, the Marker protocol's frame), the whole Ethernet frame:
 * decoded with every field the standard fixes checked, and the Marker Response to a Marker
 * Information PDU written byte for byte. A partner's frame distributor sends a Marker Information
 * PDU down a link before it moves conversations off it, and waits for the response to know every
 * frame it sent there has been collected (6.5.1); a responder that stays silent makes it wait out
 * its timeout on every move, so each member answers on the link the marker came in by (6.5.4.2).
 *
 * <pre>
 *  0  destination 01:80:c2:00:00:02 (Slow_Protocols_Multicast) | 6 source (the port's MAC)
 * 12  ethertype 0x8809 (Slow_Protocols_Type)
 * 14  subtype 2 (Marker) | version 1
 * 16  TLV 1 (Marker Information) or 2 (Marker Response), length 16:
 *     requester port (2), requester system (6), requester transaction ID (4), pad (2, zero)
 * 32  TLV 0 (terminator), length 0 | 90 reserved octets
 * 124 end: 110 octets from the subtype, as a LACPDU; no FCS
 * </pre>
 *
 * The response copies the requester's port, system and transaction ID and nothing else: the pad and
 * reserved octets go out as zeros whatever came in (a receiver ignores them, a transmitter sends
 * zeros), the source is the answering port's MAC.
 */
public record MarkerPdu(
    boolean information, int requesterPort, long requesterSystem, int transaction) {
  public static final int SUBTYPE_MARKER = 2;
  public static final int VERSION = 1;
  public static final int INFORMATION_TLV = 1;
  public static final int RESPONSE_TLV = 2;
  private static final int INFO_LENGTH = 16;

  /** Why a frame with the Marker subtype is no Marker PDU we take. */
  public enum Fault {
    BAD_LENGTH,
    NOT_SLOW_PROTOCOLS_ADDRESS,
    NOT_SLOW_PROTOCOLS,
    NOT_MARKER,
    BAD_VERSION,
    BAD_MARKER_TLV,
    BAD_TERMINATOR_TLV
  }

  /** Decoding refused: the fault, without a stack trace (a peer can send these at will). */
  public static final class Malformed extends Exception {
    private static final long serialVersionUID = 1L;
    public final Fault fault;

    Malformed(Fault fault) {
      super(fault.name().toLowerCase(java.util.Locale.ROOT), null, false, false);
      this.fault = fault;
    }
  }

  /**
   * True when the frame at {@code f[offset]} has the Marker subtype (it is then ours to decode).
   */
  public static boolean isMarker(byte[] f, int offset, int captured) {
    return captured > 14 && f[offset + 14] == SUBTYPE_MARKER;
  }

  /**
   * Decodes the frame of {@code length} bytes at {@code f[offset]} ({@code captured} of them
   * there), as {@link Lacpdu#decode} does: the same lengths (110 octets of PDU, 4 more for a kept
   * FCS), the slow-protocols address and type, subtype 2, version 1, an Information or Response TLV
   * of length 16, the terminator. Reserved and pad octets are ignored, as 802.1AX asks of a
   * receiver.
   */
  public static MarkerPdu decode(byte[] f, int offset, int captured, int length) throws Malformed {
    if (length < Lacpdu.FRAME_LENGTH
        || length > Lacpdu.MAX_FRAME_LENGTH
        || captured < Lacpdu.FRAME_LENGTH) {
      throw new Malformed(Fault.BAD_LENGTH);
    }
    if ((((f[offset + 12] & 0xFF) << 8) | (f[offset + 13] & 0xFF)) != Lacpdu.ETHERTYPE) {
      throw new Malformed(Fault.NOT_SLOW_PROTOCOLS);
    }
    if (Lacpdu.getMac(f, offset) != Lacpdu.SLOW_PROTOCOLS_MAC) {
      throw new Malformed(Fault.NOT_SLOW_PROTOCOLS_ADDRESS);
    }
    if (f[offset + 14] != SUBTYPE_MARKER) {
      throw new Malformed(Fault.NOT_MARKER);
    }
    if (f[offset + 15] != VERSION) {
      throw new Malformed(Fault.BAD_VERSION);
    }
    int type = f[offset + 16];
    if ((type != INFORMATION_TLV && type != RESPONSE_TLV) || f[offset + 17] != INFO_LENGTH) {
      throw new Malformed(Fault.BAD_MARKER_TLV);
    }
    if (f[offset + 32] != 0 || f[offset + 33] != 0) {
      throw new Malformed(Fault.BAD_TERMINATOR_TLV);
    }
    int port = ((f[offset + 18] & 0xFF) << 8) | (f[offset + 19] & 0xFF);
    long system = Lacpdu.getMac(f, offset + 20);
    int transaction =
        ((f[offset + 26] & 0xFF) << 24)
            | ((f[offset + 27] & 0xFF) << 16)
            | ((f[offset + 28] & 0xFF) << 8)
            | (f[offset + 29] & 0xFF);
    return new MarkerPdu(type == INFORMATION_TLV, port, system, transaction);
  }

  /** The Marker Response to this Marker Information PDU. */
  public MarkerPdu response() {
    return new MarkerPdu(false, requesterPort, requesterSystem, transaction);
  }

  /** Writes the frame from {@code source} into {@code f} from offset 0; returns its length. */
  public int encode(byte[] f, long source) {
    java.util.Arrays.fill(f, 0, Lacpdu.FRAME_LENGTH, (byte) 0);
    Lacpdu.putMac(f, 0, Lacpdu.SLOW_PROTOCOLS_MAC);
    Lacpdu.putMac(f, 6, source);
    f[12] = (byte) (Lacpdu.ETHERTYPE >>> 8);
    f[13] = (byte) Lacpdu.ETHERTYPE;
    f[14] = SUBTYPE_MARKER;
    f[15] = VERSION;
    f[16] = (byte) (information ? INFORMATION_TLV : RESPONSE_TLV);
    f[17] = INFO_LENGTH;
    f[18] = (byte) (requesterPort >>> 8);
    f[19] = (byte) requesterPort;
    Lacpdu.putMac(f, 20, requesterSystem);
    f[26] = (byte) (transaction >>> 24);
    f[27] = (byte) (transaction >>> 16);
    f[28] = (byte) (transaction >>> 8);
    f[29] = (byte) transaction;
    // 30..31 pad, 32..33 the terminator (type 0, length 0), 34..123 reserved: all zero
    return Lacpdu.FRAME_LENGTH;
  }

  /** The frame as a new array. */
  public byte[] encode(long source) {
    byte[] f = new byte[Lacpdu.FRAME_LENGTH];
    encode(f, source);
    return f;
  }
}
