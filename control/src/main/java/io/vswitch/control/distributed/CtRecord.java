package io.vswitch.control.distributed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.control.plane.ConfigJson;
import io.vswitch.dataplane.conntrack.ConntrackTable;
import io.vswitch.dataplane.conntrack.CtEntryView;
import io.vswitch.dataplane.l2.MacAddress;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The etcd record of a VM's connections on the move (vMotion): {@code /vswitch/S/ct/MAC}, written
 * by the host the VM leaves, read by the host it arrives on. One JSON object:
 *
 * <pre>
 *   {"version": 1, "host": "hostA", "mac": "02:..", "exported": MILLIS, "ttl": SECONDS,
 *    "connections": [{"protocol": 6, "ipv6": false, "src": "10.0.0.3", "src-port": 40000,
 *      "dst": "10.0.0.1", "dst-port": 5000, "state": "ESTABLISHED", "replied": true,
 *      "embryonic": false, "left-ms": 7439000, "age": 12,
 *      "tcp": [[end, maxend, maxwin, scale, flags], [..reply direction..]],
 *      "packets": [orig, reply], "bytes": [orig, reply]}, ...]}
 * </pre>
 *
 * <p>Bounded both ways: a writer never makes more than {@link #MAX_CONNECTIONS} connections or
 * {@link #MAX_CHARS} characters, and a reader refuses a record that does (before parsing it, for
 * the size). A reader takes nothing it does not understand: every field present with its type and
 * range and no other, the MAC the one of the key, the record not older than its TTL (its lease
 * should have removed it by then) and not from the future. A connection that fails any of that
 * refuses the whole record: a record is written whole by one switch, so one bad connection means it
 * is not what a switch wrote.
 */
public final class CtRecord {
  static final int VERSION = 1;

  /** Connections one record holds at most. */
  public static final int MAX_CONNECTIONS = 2048;

  /** A record's size at most, in characters (about 280 per connection, so 2048 fit). */
  public static final int MAX_CHARS = 768 * 1024;

  /** The lease (and the record's own deadline) a record is written with. */
  public static final int TTL_SECONDS = 90;

  /** How far ahead of this host's clock a record's export time may be (clocks differ). */
  static final long FUTURE_SLACK_MS = 60_000;

  private static final Set<String> TOP =
      Set.of("version", "host", "mac", "exported", "ttl", "connections");
  private static final Set<String> CONNECTION =
      Set.of(
          "protocol",
          "ipv6",
          "src",
          "src-port",
          "dst",
          "dst-port",
          "state",
          "replied",
          "embryonic",
          "left-ms",
          "age",
          "tcp",
          "packets",
          "bytes");

  private CtRecord() {}

  /** A record refused whole; {@code getMessage} says why (for the one log line). */
  public static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    Refused(String why) {
      super(why);
    }
  }

  /** A record read: who wrote it when, and its connections (time left as at {@code exported}). */
  public record Parsed(
      String host, long mac, long exported, int ttl, List<CtEntryView> connections) {}

  public static String prefix(String switchName) {
    return "/vswitch/" + switchName + "/ct/";
  }

  /** Where arriving hosts claim a MAC's connections from a host that still has the VM. */
  public static String claimPrefix(String switchName) {
    return "/vswitch/" + switchName + "/ct-claims/";
  }

  public static String claimKey(String switchName, long mac) {
    return claimPrefix(switchName) + MacAddress.format(mac);
  }

  public static String key(String switchName, long mac) {
    return prefix(switchName) + MacAddress.format(mac);
  }

  /** The record of {@code connections} (at most {@link #MAX_CONNECTIONS}; the caller cuts). */
  public static String write(
      String host, long mac, long exportedMillis, int ttlSeconds, List<CtEntryView> connections) {
    if (connections.size() > MAX_CONNECTIONS) {
      throw new IllegalArgumentException("at most " + MAX_CONNECTIONS + " connections");
    }
    ObjectNode r = ConfigJson.MAPPER.createObjectNode();
    r.put("version", VERSION);
    r.put("host", host);
    r.put("mac", MacAddress.format(mac));
    r.put("exported", exportedMillis);
    r.put("ttl", ttlSeconds);
    ArrayNode list = r.putArray("connections");
    for (CtEntryView c : connections) {
      ObjectNode o = list.addObject();
      o.put("protocol", c.protocol);
      o.put("ipv6", c.ipv6);
      o.put("src", c.address(c.srcHi, c.srcLo));
      o.put("src-port", c.srcPort);
      o.put("dst", c.address(c.dstHi, c.dstLo));
      o.put("dst-port", c.dstPort);
      o.put("state", c.state);
      o.put("replied", c.replied);
      o.put("embryonic", c.embryonic);
      o.put("left-ms", c.expiresInMillis);
      o.put("age", c.ageSeconds);
      ArrayNode tcp = o.putArray("tcp");
      for (int d = 0; d < 2; d++) {
        tcp.addArray()
            .add(c.tcpEnd[d])
            .add(c.tcpMaxEnd[d])
            .add(c.tcpMaxWindow[d])
            .add(c.tcpScale[d])
            .add(c.tcpFlags[d]);
      }
      o.putArray("packets").add(c.originalPackets).add(c.replyPackets);
      o.putArray("bytes").add(c.originalBytes).add(c.replyBytes);
    }
    return ConfigJson.write(r);
  }

  /**
   * Reads and checks a record found at {@code expectedMac}'s key, at wall-clock {@code nowMillis}.
   */
  public static Parsed parse(String json, long expectedMac, long nowMillis) throws Refused {
    if (json == null || json.length() > MAX_CHARS) {
      throw new Refused(
          "record of "
              + (json == null ? 0 : json.length())
              + " characters (most "
              + MAX_CHARS
              + ")");
    }
    JsonNode r;
    try {
      r = ConfigJson.MAPPER.readTree(json);
    } catch (Exception e) {
      throw new Refused("not JSON");
    }
    if (r == null || !r.isObject()) {
      throw new Refused("not a JSON object");
    }
    onlyFields(r, TOP, "record");
    if (integer(r, "version", 1, 1_000_000) != VERSION) {
      throw new Refused("version " + r.path("version") + " (this switch reads " + VERSION + ")");
    }
    String host = text(r, "host", 253);
    long mac;
    try {
      mac = MacAddress.parse(text(r, "mac", 17));
    } catch (RuntimeException e) {
      throw new Refused("mac is not a MAC address");
    }
    if (mac != expectedMac) {
      throw new Refused(
          "the record names "
              + MacAddress.format(mac)
              + ", its key "
              + MacAddress.format(expectedMac));
    }
    long exported = integer(r, "exported", 1, Long.MAX_VALUE / 4);
    int ttl = (int) integer(r, "ttl", 1, 600);
    if (nowMillis - exported > ttl * 1000L) {
      throw new Refused(
          "exported " + (nowMillis - exported) / 1000 + " s ago, past its " + ttl + " s");
    }
    if (exported - nowMillis > FUTURE_SLACK_MS) {
      throw new Refused("exported " + (exported - nowMillis) / 1000 + " s in the future");
    }
    JsonNode list = r.get("connections");
    if (!list.isArray()) {
      throw new Refused("connections is not a list");
    }
    if (list.size() > MAX_CONNECTIONS) {
      throw new Refused(list.size() + " connections (most " + MAX_CONNECTIONS + ")");
    }
    List<CtEntryView> out = new ArrayList<>(list.size());
    int i = 0;
    for (JsonNode o : list) {
      out.add(connection(o, "connection " + i++));
    }
    return new Parsed(host, mac, exported, ttl, out);
  }

  private static CtEntryView connection(JsonNode o, String where) throws Refused {
    if (!o.isObject()) {
      throw new Refused(where + " is not an object");
    }
    onlyFields(o, CONNECTION, where);
    CtEntryView c = new CtEntryView();
    c.protocol = (int) integer(o, "protocol", 0, 255);
    c.ipv6 = bool(o, "ipv6");
    long[] src = address(text(o, "src", 45), c.ipv6, where + " src");
    long[] dst = address(text(o, "dst", 45), c.ipv6, where + " dst");
    c.srcHi = src[0];
    c.srcLo = src[1];
    c.dstHi = dst[0];
    c.dstLo = dst[1];
    c.srcPort = (int) integer(o, "src-port", 0, 65535);
    c.dstPort = (int) integer(o, "dst-port", 0, 65535);
    c.state = text(o, "state", 16);
    c.stateCode = ConntrackTable.stateCode(c.protocol, c.state);
    if (c.stateCode < 0) {
      throw new Refused(where + ": state " + c.state + " is not one of protocol " + c.protocol);
    }
    c.replied = bool(o, "replied");
    c.embryonic = bool(o, "embryonic");
    if (c.protocol != 6 && c.replied != c.state.equals("REPLIED")) {
      throw new Refused(where + ": replied and state disagree");
    }
    c.expiresInMillis = integer(o, "left-ms", 1, 30L * 24 * 3600 * 1000);
    c.ageSeconds = integer(o, "age", 0, 1L << 30);
    JsonNode tcp = o.get("tcp");
    if (!tcp.isArray() || tcp.size() != 2) {
      throw new Refused(where + ": tcp is two lists of five");
    }
    for (int d = 0; d < 2; d++) {
      JsonNode w = tcp.get(d);
      if (!w.isArray() || w.size() != 5) {
        throw new Refused(where + ": tcp is two lists of five");
      }
      c.tcpEnd[d] = (int) element(w, 0, Integer.MIN_VALUE, Integer.MAX_VALUE, where);
      c.tcpMaxEnd[d] = (int) element(w, 1, Integer.MIN_VALUE, Integer.MAX_VALUE, where);
      c.tcpMaxWindow[d] = (int) element(w, 2, Integer.MIN_VALUE, Integer.MAX_VALUE, where);
      c.tcpScale[d] = (int) element(w, 3, 0, 14, where);
      c.tcpFlags[d] = (int) element(w, 4, 0, 15, where);
    }
    long[] packets = pair(o, "packets", where);
    long[] bytes = pair(o, "bytes", where);
    c.originalPackets = packets[0];
    c.replyPackets = packets[1];
    c.originalBytes = bytes[0];
    c.replyBytes = bytes[1];
    return c;
  }

  private static void onlyFields(JsonNode o, Set<String> fields, String where) throws Refused {
    for (String f : fields) {
      if (!o.has(f)) {
        throw new Refused(where + " has no " + f);
      }
    }
    for (Iterator<String> names = o.fieldNames(); names.hasNext(); ) {
      String n = names.next();
      if (!fields.contains(n)) {
        throw new Refused(where + " has an unknown field");
      }
    }
  }

  private static long integer(JsonNode o, String field, long min, long max) throws Refused {
    JsonNode v = o.get(field);
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new Refused(field + " is not an integer");
    }
    long n = v.asLong();
    if (n < min || n > max) {
      throw new Refused(field + " " + n + " is outside " + min + ".." + max);
    }
    return n;
  }

  private static long element(JsonNode list, int i, long min, long max, String where)
      throws Refused {
    JsonNode v = list.get(i);
    if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
      throw new Refused(where + ": a tcp value is not an integer in " + min + ".." + max);
    }
    return v.asLong();
  }

  private static long[] pair(JsonNode o, String field, String where) throws Refused {
    JsonNode v = o.get(field);
    if (!v.isArray() || v.size() != 2) {
      throw new Refused(where + ": " + field + " is a pair of counts");
    }
    return new long[] {
      element(v, 0, 0, Long.MAX_VALUE, where), element(v, 1, 0, Long.MAX_VALUE, where)
    };
  }

  private static String text(JsonNode o, String field, int maxLength) throws Refused {
    JsonNode v = o.get(field);
    if (!v.isTextual() || v.asText().isEmpty() || v.asText().length() > maxLength) {
      throw new Refused(field + " is not a text of 1.." + maxLength + " characters");
    }
    return v.asText();
  }

  private static boolean bool(JsonNode o, String field) throws Refused {
    JsonNode v = o.get(field);
    if (!v.isBoolean()) {
      throw new Refused(field + " is not true or false");
    }
    return v.asBoolean();
  }

  /**
   * An address literal (never a name: no lookup) as the table's {hi, lo}: IPv4 mapped into
   * ::ffff:0:0/96, for an IPv4 entry only; an IPv6 entry's mapped address is written as IPv4 too.
   */
  static long[] address(String literal, boolean ipv6, String where) throws Refused {
    InetAddress a;
    try {
      a = InetAddress.ofLiteral(literal);
    } catch (IllegalArgumentException e) {
      throw new Refused(where + " is not an address literal");
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet4Address) {
      long v4 = 0;
      for (byte x : b) {
        v4 = (v4 << 8) | (x & 0xFF);
      }
      return new long[] {0, 0x0000_FFFF_0000_0000L | v4};
    }
    if (!ipv6) {
      throw new Refused(where + " is an IPv6 address in an IPv4 connection");
    }
    long hi = 0;
    long lo = 0;
    for (int i = 0; i < 8; i++) {
      hi = (hi << 8) | (b[i] & 0xFF);
      lo = (lo << 8) | (b[i + 8] & 0xFF);
    }
    return new long[] {hi, lo};
  }

  /** A VM's configured identity: its port's {@code addresses:} prefixes. */
  public static final class Identity {
    private final List<long[]> prefixes = new ArrayList<>(); // {v6 ? 1 : 0, hi, lo, length}

    /** From canonical prefixes ("10.0.0.3/32", "fd00:0:0:0:0:0:0:0/64"). */
    public static Identity of(List<String> canonical) {
      Identity id = new Identity();
      for (String p : canonical) {
        String[] parts = p.split("/");
        InetAddress a = InetAddress.ofLiteral(parts[0]);
        boolean v4 = a instanceof Inet4Address;
        long[] hl;
        try {
          hl = address(parts[0], !v4, "prefix");
        } catch (Refused impossible) {
          throw new IllegalArgumentException(p);
        }
        int len = Integer.parseInt(parts[1]) + (v4 ? 96 : 0);
        id.prefixes.add(new long[] {v4 ? 0 : 1, hl[0], hl[1], len});
      }
      return id;
    }

    public boolean isEmpty() {
      return prefixes.isEmpty();
    }

    /** Whether one end of {@code c} is one of the VM's addresses. */
    public boolean involves(CtEntryView c) {
      return has(c.ipv6, c.srcHi, c.srcLo) || has(c.ipv6, c.dstHi, c.dstLo);
    }

    private boolean has(boolean ipv6, long hi, long lo) {
      boolean mapped = hi == 0 && (lo >>> 32) == 0xFFFF;
      for (long[] p : prefixes) {
        // An IPv4 prefix matches an IPv4 connection's (mapped) address; an IPv6 one only IPv6.
        if (p[0] == 0 ? ipv6 || !mapped : !ipv6) {
          continue;
        }
        if (within(hi, lo, p[1], p[2], (int) p[3])) {
          return true;
        }
      }
      return false;
    }

    private static boolean within(long hi, long lo, long pHi, long pLo, int length) {
      if (length <= 64) {
        long m = length == 0 ? 0 : -1L << (64 - length);
        return (hi & m) == (pHi & m);
      }
      long m = length == 128 ? -1L : -1L << (128 - length);
      return hi == pHi && (lo & m) == (pLo & m);
    }
  }
}
