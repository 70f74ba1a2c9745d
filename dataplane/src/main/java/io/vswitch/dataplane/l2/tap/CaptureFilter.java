package io.vswitch.dataplane.l2.tap;

import io.vswitch.dataplane.l2.MacAddress;
import io.vswitch.ffm.NativeMemory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * The capture's field filter: terms joined by {@code and}, each one of {@code tcp}, {@code udp},
 * {@code icmp}, {@code icmp6}, {@code arp}, {@code ip}, {@code ip6}, {@code host ADDR} (IPv4 or
 * IPv6, source or destination), {@code port N} (TCP or UDP, source or destination), {@code vlan N}
 * (the 802.1Q tag's VID) and {@code ether host MAC} (source or destination). An empty filter takes
 * every frame. Matching reads the frame's first segment only, checks every read against its length,
 * and allocates nothing: the worker runs it on the captured port's frames.
 */
public final class CaptureFilter {
  public static final CaptureFilter ALL = new CaptureFilter(-1, -1, -1, -1, null, -1L, "");

  private static final int ETHERTYPE_IPV4 = 0x0800;
  private static final int ETHERTYPE_IPV6 = 0x86dd;
  private static final int ETHERTYPE_ARP = 0x0806;

  /** The ethertype a term requires (ip, ip6, arp), or -1. */
  private final int etherType;

  /** The IP protocol (tcp 6, udp 17, icmp 1, icmp6 58), or -1. */
  private final int protocol;

  private final int port;
  private final int vlan;

  /** 4 or 16 bytes, or null. */
  private final byte[] host;

  private final long mac;
  private final String text;

  private CaptureFilter(
      int etherType, int protocol, int port, int vlan, byte[] host, long mac, String text) {
    this.etherType = etherType;
    this.protocol = protocol;
    this.port = port;
    this.vlan = vlan;
    this.host = host;
    this.mac = mac;
    this.text = text;
  }

  /** Parses a filter; throws IllegalArgumentException naming what it does not understand. */
  public static CaptureFilter parse(String filter) {
    if (filter == null || filter.isBlank()) {
      return ALL;
    }
    String[] words = filter.trim().toLowerCase(Locale.ROOT).split("\\s+");
    int type = -1;
    int proto = -1;
    int port = -1;
    int vlan = -1;
    byte[] host = null;
    long mac = -1;
    for (int w = 0; w < words.length; w++) {
      String word = words[w];
      switch (word) {
        case "and", "&&" -> {}
        case "ip" -> type = set(type, ETHERTYPE_IPV4, word);
        case "ip6" -> type = set(type, ETHERTYPE_IPV6, word);
        case "arp" -> type = set(type, ETHERTYPE_ARP, word);
        case "tcp" -> proto = set(proto, 6, word);
        case "udp" -> proto = set(proto, 17, word);
        case "icmp" -> proto = set(proto, 1, word);
        case "icmp6" -> proto = set(proto, 58, word);
        case "port" -> port = set(port, number(words, ++w, 65535, "port"), word);
        case "vlan" -> vlan = set(vlan, number(words, ++w, 4094, "vlan"), word);
        case "host" -> {
          if (host != null) {
            throw new IllegalArgumentException("filter: one host term at most");
          }
          host = address(words, ++w);
        }
        case "ether" -> {
          if (w + 1 >= words.length || !words[++w].equals("host")) {
            throw new IllegalArgumentException("filter: 'ether' must be followed by 'host MAC'");
          }
          if (w + 1 >= words.length) {
            throw new IllegalArgumentException("filter: 'ether host' needs a MAC");
          }
          mac = MacAddress.parse(words[++w]);
        }
        default ->
            throw new IllegalArgumentException(
                "filter: unknown term '"
                    + word
                    + "' (terms: tcp udp icmp icmp6 arp ip ip6, host ADDR, port N, vlan N,"
                    + " ether host MAC, joined by 'and')");
      }
    }
    if (host != null && type < 0) {
      type = host.length == 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6;
    }
    if ((proto >= 0 || port >= 0) && type == ETHERTYPE_ARP) {
      throw new IllegalArgumentException("filter: arp has no IP protocol or port");
    }
    if (host != null && type != (host.length == 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6)) {
      throw new IllegalArgumentException("filter: the host's family contradicts the filter");
    }
    return new CaptureFilter(type, proto, port, vlan, host, mac, String.join(" ", words));
  }

  private static int set(int old, int value, String word) {
    if (old >= 0 && old != value) {
      throw new IllegalArgumentException("filter: '" + word + "' contradicts an earlier term");
    }
    return value;
  }

  private static int number(String[] words, int w, int max, String what) {
    if (w >= words.length || !words[w].matches("[0-9]{1,5}")) {
      throw new IllegalArgumentException("filter: '" + what + "' needs a number");
    }
    int n = Integer.parseInt(words[w]);
    if (n > max) {
      throw new IllegalArgumentException("filter: " + what + " " + n + " is out of range");
    }
    return n;
  }

  private static byte[] address(String[] words, int w) {
    if (w >= words.length || !words[w].matches("[0-9a-f.:]+") || !words[w].matches(".*[.:].*")) {
      throw new IllegalArgumentException("filter: 'host' needs an IPv4 or IPv6 address");
    }
    try {
      return InetAddress.getByName(words[w]).getAddress(); // a literal: no name lookup
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("filter: bad address '" + words[w] + "'");
    }
  }

  /** Whether the frame of {@code readable} bytes at {@code frame} passes. */
  public boolean matches(long frame, int readable) {
    if (this == ALL) {
      return true;
    }
    if (readable < 14) {
      return false;
    }
    if (mac >= 0) {
      long dst = Long.reverseBytes(NativeMemory.getLong(frame)) >>> 16;
      long src = Long.reverseBytes(NativeMemory.getLong(frame + 4)) & 0xFFFF_FFFF_FFFFL;
      if (dst != mac && src != mac) {
        return false;
      }
    }
    int type = NativeMemory.getShortBE(frame + 12);
    int l3 = 14;
    if (type == 0x8100) {
      if (readable < 18) {
        return false;
      }
      if (vlan >= 0 && (NativeMemory.getShortBE(frame + 14) & 0xFFF) != vlan) {
        return false;
      }
      type = NativeMemory.getShortBE(frame + 16);
      l3 = 18;
    } else if (vlan >= 0) {
      return false;
    }
    if (etherType >= 0 && type != etherType) {
      return false;
    }
    if (protocol < 0 && port < 0 && host == null) {
      return true;
    }
    return type == ETHERTYPE_IPV4
        ? ipv4(frame + l3, readable - l3)
        : type == ETHERTYPE_IPV6 && ipv6(frame + l3, readable - l3);
  }

  private boolean ipv4(long ip, int readable) {
    if (readable < 20) {
      return false;
    }
    int proto = NativeMemory.getByte(ip + 9) & 0xFF;
    if (protocol >= 0 && proto != protocol) {
      return false;
    }
    if (host != null && !(same(ip + 12, 4) || same(ip + 16, 4))) {
      return false;
    }
    int headerLength = (NativeMemory.getByte(ip) & 0xF) * 4;
    boolean firstFragment = (NativeMemory.getShortBE(ip + 6) & 0x1FFF) == 0;
    return port < 0 || firstFragment && ports(ip + headerLength, readable - headerLength, proto);
  }

  private boolean ipv6(long ip, int readable) {
    if (readable < 40) {
      return false;
    }
    int next = NativeMemory.getByte(ip + 6) & 0xFF;
    if (protocol >= 0 && next != protocol) {
      return false;
    }
    if (host != null && !(same(ip + 8, 16) || same(ip + 24, 16))) {
      return false;
    }
    return port < 0 || ports(ip + 40, readable - 40, next);
  }

  private boolean ports(long l4, int readable, int proto) {
    if ((proto != 6 && proto != 17) || readable < 4) {
      return false;
    }
    return NativeMemory.getShortBE(l4) == port || NativeMemory.getShortBE(l4 + 2) == port;
  }

  private boolean same(long address, int n) {
    for (int b = 0; b < n; b++) {
      if (NativeMemory.getByte(address + b) != host[b]) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return text;
  }
}
