package io.vswitch.control.lacp;

/**
 * A LACPDU (IEEE 802.1AX-2014 6.4.2.3, version 1), the whole Ethernet frame: encoded byte for byte
 * and decoded with every field the standard fixes checked, so a crafted or damaged frame is refused
 * with the reason, never half-read.
 *
 * <pre>
 *  0  destination 01:80:c2:00:00:02 (Slow_Protocols_Multicast) | 6 source (the port's MAC)
 * 12  ethertype 0x8809 (Slow_Protocols_Type)
 * 14  subtype 1 (LACP) | version 1
 * 16  TLV 1 (actor), length 20:  system priority (2), system (6), key (2), port priority (2),
 *                                port (2), state (1), reserved (3)
 * 36  TLV 2 (partner), length 20: the same fields, as the sender sees its partner
 * 56  TLV 3 (collector), length 16: max delay (2, tens of microseconds), reserved (12)
 * 72  TLV 0 (terminator), length 0 | 50 reserved octets
 * 124 end: 110 octets from the subtype (the PDU), 124 with the header, no FCS
 * </pre>
 */
public record Lacpdu(Info actor, Info partner, int collectorMaxDelay) {
  public static final long SLOW_PROTOCOLS_MAC = 0x0180_C200_0002L;
  public static final int ETHERTYPE = 0x8809;
  public static final int SUBTYPE_LACP = 1;
  public static final int VERSION = 1;

  /** The PDU from its subtype to its last reserved octet. */
  public static final int PDU_LENGTH = 110;

  /** The frame: Ethernet header and PDU, without the FCS. */
  public static final int FRAME_LENGTH = 14 + PDU_LENGTH;

  /**
   * Longest frame taken: a PMD that keeps the FCS (keep_crc) hands over 4 more; anything longer is
   * no LACPDU a conforming partner sends.
   */
  public static final int MAX_FRAME_LENGTH = FRAME_LENGTH + 4;

  private static final int ACTOR_TLV = 1;
  private static final int PARTNER_TLV = 2;
  private static final int COLLECTOR_TLV = 3;
  private static final int INFO_LENGTH = 20;
  private static final int COLLECTOR_LENGTH = 16;

  /**
   * One side's information: system (priority and MAC: the System Identifier, 802.1AX 6.3.2), key,
   * port (priority and number: the Port Identifier) and the state octet ({@link LacpState}).
   */
  public record Info(
      int systemPriority, long system, int key, int portPriority, int port, int state) {
    /** The all-zero information a defaulted port has for its partner. */
    public static final Info NONE = new Info(0, 0, 0, 0, 0, 0);

    public Info withState(int next) {
      return new Info(systemPriority, system, key, portPriority, port, next & 0xFF);
    }

    /** Same System Identifier and key: ports that may aggregate with each other. */
    public boolean sameSystemAndKey(Info o) {
      return systemPriority == o.systemPriority && system == o.system && key == o.key;
    }

    /** Everything but the state. */
    public boolean sameIdentity(Info o) {
      return sameSystemAndKey(o) && portPriority == o.portPriority && port == o.port;
    }
  }

  /** Why a frame is no LACPDU we take. */
  public enum Fault {
    BAD_LENGTH,
    NOT_SLOW_PROTOCOLS_ADDRESS,
    NOT_SLOW_PROTOCOLS,
    NOT_LACP,
    BAD_VERSION,
    BAD_ACTOR_TLV,
    BAD_PARTNER_TLV,
    BAD_COLLECTOR_TLV,
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

  /** Writes the frame from {@code source} into {@code f} from offset 0; returns its length. */
  public int encode(byte[] f, long source) {
    java.util.Arrays.fill(f, 0, FRAME_LENGTH, (byte) 0);
    putMac(f, 0, SLOW_PROTOCOLS_MAC);
    putMac(f, 6, source);
    putShort(f, 12, ETHERTYPE);
    f[14] = SUBTYPE_LACP;
    f[15] = VERSION;
    putInfo(f, 16, ACTOR_TLV, actor);
    putInfo(f, 36, PARTNER_TLV, partner);
    f[56] = COLLECTOR_TLV;
    f[57] = COLLECTOR_LENGTH;
    putShort(f, 58, collectorMaxDelay);
    // 60..71 reserved, 72..73 the terminator (type 0, length 0), 74..123 reserved: all zero
    return FRAME_LENGTH;
  }

  /** The frame as a new array. */
  public byte[] encode(long source) {
    byte[] f = new byte[FRAME_LENGTH];
    encode(f, source);
    return f;
  }

  /**
   * Decodes the frame of {@code length} bytes at {@code f[offset]} ({@code captured} of them
   * there). Reserved octets are ignored, as 802.1AX asks of a receiver.
   */
  public static Lacpdu decode(byte[] f, int offset, int captured, int length) throws Malformed {
    if (length < FRAME_LENGTH || length > MAX_FRAME_LENGTH || captured < FRAME_LENGTH) {
      throw new Malformed(Fault.BAD_LENGTH);
    }
    if (getShort(f, offset + 12) != ETHERTYPE) {
      throw new Malformed(Fault.NOT_SLOW_PROTOCOLS); // tagged, or not a slow protocol at all
    }
    if (getMac(f, offset) != SLOW_PROTOCOLS_MAC) {
      throw new Malformed(Fault.NOT_SLOW_PROTOCOLS_ADDRESS);
    }
    if (f[offset + 14] != SUBTYPE_LACP) {
      throw new Malformed(Fault.NOT_LACP); // a Marker PDU (2) or an OAM one (3) and others
    }
    if (f[offset + 15] != VERSION) {
      throw new Malformed(Fault.BAD_VERSION);
    }
    Info actor = info(f, offset + 16, ACTOR_TLV, Fault.BAD_ACTOR_TLV);
    Info partner = info(f, offset + 36, PARTNER_TLV, Fault.BAD_PARTNER_TLV);
    if (f[offset + 56] != COLLECTOR_TLV || f[offset + 57] != COLLECTOR_LENGTH) {
      throw new Malformed(Fault.BAD_COLLECTOR_TLV);
    }
    if (f[offset + 72] != 0 || f[offset + 73] != 0) {
      throw new Malformed(Fault.BAD_TERMINATOR_TLV);
    }
    return new Lacpdu(actor, partner, getShort(f, offset + 58));
  }

  private static Info info(byte[] f, int at, int type, Fault fault) throws Malformed {
    if (f[at] != type || f[at + 1] != INFO_LENGTH) {
      throw new Malformed(fault);
    }
    return new Info(
        getShort(f, at + 2),
        getMac(f, at + 4),
        getShort(f, at + 10),
        getShort(f, at + 12),
        getShort(f, at + 14),
        f[at + 16] & 0xFF);
  }

  private static void putInfo(byte[] f, int at, int type, Info i) {
    f[at] = (byte) type;
    f[at + 1] = INFO_LENGTH;
    putShort(f, at + 2, i.systemPriority());
    putMac(f, at + 4, i.system());
    putShort(f, at + 10, i.key());
    putShort(f, at + 12, i.portPriority());
    putShort(f, at + 14, i.port());
    f[at + 16] = (byte) i.state();
  }

  private static void putShort(byte[] f, int at, int v) {
    f[at] = (byte) (v >>> 8);
    f[at + 1] = (byte) v;
  }

  private static int getShort(byte[] f, int at) {
    return ((f[at] & 0xFF) << 8) | (f[at + 1] & 0xFF);
  }

  static void putMac(byte[] f, int at, long mac) {
    for (int k = 0; k < 6; k++) {
      f[at + k] = (byte) (mac >>> (40 - 8 * k));
    }
  }

  static long getMac(byte[] f, int at) {
    long mac = 0;
    for (int k = 0; k < 6; k++) {
      mac = (mac << 8) | (f[at + k] & 0xFF);
    }
    return mac;
  }
}
