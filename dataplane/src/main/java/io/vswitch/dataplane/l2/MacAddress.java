package io.vswitch.dataplane.l2;

/**
 * MAC addresses as the low 48 bits of a long (first octet most significant), so they can be
 * compared, hashed and stored without objects.
 */
public final class MacAddress {
  /** Not a MAC: the value for "none configured". */
  public static final long NONE = -1L;

  public static final long BROADCAST = 0xFFFF_FFFF_FFFFL;

  private MacAddress() {}

  public static long parse(String text) {
    String[] parts = text.split("[:-]");
    if (parts.length != 6) {
      throw new IllegalArgumentException("'" + text + "' is not a MAC address (aa:bb:cc:dd:ee:ff)");
    }
    long mac = 0;
    for (String part : parts) {
      if (part.length() != 2) {
        throw new IllegalArgumentException("'" + text + "' is not a MAC address");
      }
      mac = (mac << 8) | Integer.parseInt(part, 16);
    }
    return mac;
  }

  public static String format(long mac) {
    StringBuilder s = new StringBuilder(17);
    for (int shift = 40; shift >= 0; shift -= 8) {
      if (shift != 40) {
        s.append(':');
      }
      s.append(String.format("%02x", (mac >>> shift) & 0xFF));
    }
    return s.toString();
  }

  /** Group bit (I/G) of the first octet: broadcast and multicast. */
  public static boolean isMulticast(long mac) {
    return (mac & 0x0100_0000_0000L) != 0;
  }
}
