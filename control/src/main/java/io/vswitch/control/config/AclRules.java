package io.vswitch.control.config;

import io.vswitch.dataplane.acl.Acl;
import io.vswitch.dataplane.acl.AclFields;
import io.vswitch.dataplane.acl.AclRule;
import io.vswitch.dataplane.l2.MacAddress;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns configured ACLs into the data plane's compiled {@link Acl}s. The validator runs the same
 * code and throws away the result, so what validates is exactly what compiles; every problem is a
 * one-line {@link ConfigException} naming the ACL and the rule's priority.
 */
public final class AclRules {
  private static final Map<String, Integer> ETHER_TYPES =
      Map.of("ipv4", 0x0800, "ipv6", 0x86dd, "arp", 0x0806, "lldp", 0x88cc);
  private static final Map<String, Integer> PROTOCOLS =
      Map.of("icmp", 1, "tcp", AclFields.TCP, "udp", AclFields.UDP, "icmpv6", 58, "sctp", 132);

  /** ct-state names, in the order of their bits from {@code AclFields.CT_NEW}. */
  private static final List<String> CT_STATES =
      List.of("new", "established", "related", "invalid", "untracked");

  private static final List<String> FLAGS =
      List.of("fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr");

  private AclRules() {}

  /** Compiles one ACL that names no security group for {@code workers} workers. */
  public static Acl compile(SwitchConfig.Acl acl, int workers) {
    return compile(acl, workers, SecurityGroups.NONE);
  }

  /**
   * Compiles one ACL for {@code workers} workers (hit counter stripes), its group rules against
   * {@code groups}: a rule with {@code src-group}/{@code dst-group} becomes one data-plane rule per
   * source x destination prefix of one family, all with its priority (so its hits are theirs
   * summed); one whose group has no addresses of a family compiles to no rule and matches nothing.
   */
  public static Acl compile(SwitchConfig.Acl acl, int workers, SecurityGroups groups) {
    String where = "acl '" + acl.name() + "'";
    require(acl.name() != null && !acl.name().isBlank(), "every acl needs a name");
    require(
        "allow".equals(acl.defaultAction()) || "deny".equals(acl.defaultAction()),
        where + ": default must be allow or deny");
    List<AclRule> rules = new ArrayList<>();
    Set<Integer> priorities = new HashSet<>();
    for (SwitchConfig.Rule rule : acl.rules()) {
      require(
          rule.priority() != null && rule.priority() >= 0,
          where + ": every rule needs a priority >= 0");
      require(
          priorities.add(rule.priority()),
          where + ": two rules have priority " + rule.priority() + " (first match needs an order)");
      rules.addAll(expand(rule, where + " rule " + rule.priority(), groups));
      require(
          rules.size() <= ConfigLimits.MAX_ACL_RULES,
          where
              + ": compiles to more than "
              + ConfigLimits.MAX_ACL_RULES
              + " rules (security groups expand to one rule per address pair)");
    }
    require(
        acl.fragments() == null
            || "allow".equals(acl.fragments())
            || "deny".equals(acl.fragments()),
        where + ": fragments must be allow or deny");
    Boolean fragments = acl.fragments() == null ? null : "allow".equals(acl.fragments());
    return new Acl(acl.name(), rules, "allow".equals(acl.defaultAction()), fragments, workers);
  }

  /** The groups an ACL's rules name. */
  public static Set<String> groupsOf(SwitchConfig.Acl acl) {
    Set<String> names = new java.util.TreeSet<>();
    for (SwitchConfig.Rule r : acl.rules()) {
      if (r.srcGroup() != null) {
        names.add(r.srcGroup());
      }
      if (r.dstGroup() != null) {
        names.add(r.dstGroup());
      }
    }
    return names;
  }

  /** A rule as data-plane rules: itself, or one per address pair of its groups. */
  static List<AclRule> expand(SwitchConfig.Rule r, String where, SecurityGroups groups) {
    if (r.srcGroup() == null && r.dstGroup() == null) {
      return List.of(rule(r, where));
    }
    List<String> sources = side(r.srcGroup(), r.srcIp(), "src", where, groups);
    List<String> destinations = side(r.dstGroup(), r.dstIp(), "dst", where, groups);
    // the rule's other fields checked once, whatever the groups hold now
    rule(withPrefixes(r, null, null), where);
    long pairs = (long) sources.size() * destinations.size();
    require(
        pairs <= ConfigLimits.MAX_GROUP_RULE_EXPANSION,
        where
            + ": "
            + describeSide(r.srcGroup(), sources)
            + " x "
            + describeSide(r.dstGroup(), destinations)
            + " is "
            + pairs
            + " rules, more than "
            + ConfigLimits.MAX_GROUP_RULE_EXPANSION);
    List<AclRule> out = new ArrayList<>();
    for (String src : sources) {
      for (String dst : destinations) {
        if (src != null && dst != null && src.contains(":") != dst.contains(":")) {
          continue; // an IPv4 source never sends to an IPv6 destination
        }
        String family = src != null ? src : dst;
        Integer etherType = r.etherType() == null ? null : etherType(r.etherType(), where);
        if (etherType != null && etherType != (family.contains(":") ? 0x86dd : 0x0800)) {
          continue; // the rule is for the other family: these members' other addresses
        }
        out.add(rule(withPrefixes(r, src, dst), where));
      }
    }
    return out;
  }

  /** One side's prefixes: the group's IP set, or the rule's own prefix (null: any). */
  private static List<String> side(
      String group, String ip, String side, String where, SecurityGroups groups) {
    if (group == null) {
      return java.util.Collections.singletonList(ip);
    }
    require(
        ip == null,
        where
            + ": "
            + side
            + "-group and "
            + side
            + "-ip exclude each other (the group is its IPs)");
    require(
        groups.has(group),
        where
            + ": unknown security group "
            + Names.quote(group)
            + "; security-groups are "
            + groups.names());
    return groups.prefixes(group);
  }

  private static String describeSide(String group, List<String> prefixes) {
    return group == null ? "1 prefix" : "group " + group + " (" + prefixes.size() + " prefixes)";
  }

  private static SwitchConfig.Rule withPrefixes(SwitchConfig.Rule r, String src, String dst) {
    return new SwitchConfig.Rule(
        r.priority(),
        r.action(),
        r.etherType(),
        r.srcMac(),
        r.dstMac(),
        r.vlan(),
        r.srcGroup() != null ? src : r.srcIp(),
        r.dstGroup() != null ? dst : r.dstIp(),
        r.protocol(),
        r.srcPort(),
        r.dstPort(),
        r.tcpFlags(),
        r.ctState(),
        null,
        null);
  }

  static AclRule rule(SwitchConfig.Rule r, String where) {
    require(
        "allow".equals(r.action()) || "deny".equals(r.action()),
        where + ": action must be allow or deny");
    AclRule.Builder b = AclRule.builder(r.priority(), "allow".equals(r.action()));
    Integer etherType = null;
    if (r.etherType() != null) {
      etherType = etherType(r.etherType(), where);
    }
    int family = 0; // 4 or 6 once a prefix says so
    if (r.srcIp() != null) {
      family = prefix(b, r.srcIp(), true, where + ": src-ip");
    }
    if (r.dstIp() != null) {
      int f = prefix(b, r.dstIp(), false, where + ": dst-ip");
      require(family == 0 || family == f, where + ": src-ip and dst-ip are of different families");
      family = f;
    }
    if (family != 0) {
      int implied = family == 4 ? 0x0800 : 0x86dd;
      require(
          etherType == null || etherType == implied,
          where + ": ether-type contradicts the IPv" + family + " prefix");
      etherType = implied;
    }
    if (etherType != null) {
      b.etherType(etherType);
    }
    if (r.srcMac() != null) {
      b.srcMac(mac(r.srcMac(), where + ": src-mac"));
    }
    if (r.dstMac() != null) {
      b.dstMac(mac(r.dstMac(), where + ": dst-mac"));
    }
    if (r.vlan() != null) {
      require(r.vlan() >= 1 && r.vlan() <= 4094, where + ": vlan must be in 1..4094");
      b.vlan(r.vlan());
    }
    Integer protocol = null;
    if (r.protocol() != null) {
      protocol = protocol(r.protocol(), where);
      b.protocol(protocol);
    }
    boolean l4 = protocol != null && (protocol == AclFields.TCP || protocol == AclFields.UDP);
    if (r.srcPort() != null) {
      require(l4, where + ": src-port needs protocol tcp or udp");
      int[] range = ports(r.srcPort(), where + ": src-port");
      b.srcPorts(range[0], range[1]);
    }
    if (r.dstPort() != null) {
      require(l4, where + ": dst-port needs protocol tcp or udp");
      int[] range = ports(r.dstPort(), where + ": dst-port");
      b.dstPorts(range[0], range[1]);
    }
    if (r.tcpFlags() != null) {
      require(
          protocol != null && protocol == AclFields.TCP, where + ": tcp-flags need protocol tcp");
      int value = 0;
      int mask = 0;
      for (String part : r.tcpFlags().split(",")) {
        String name = part.strip();
        boolean clear = name.startsWith("!");
        int bit = FLAGS.indexOf(clear ? name.substring(1) : name);
        require(
            bit >= 0, where + ": tcp flag '" + name + "' is not one of " + FLAGS + " (or !flag)");
        mask |= 1 << bit;
        value |= clear ? 0 : 1 << bit;
      }
      b.tcpFlags(value, mask);
    }
    if (r.ctState() != null) {
      require(!r.ctState().isEmpty(), where + ": ct-state needs at least one of " + CT_STATES);
      int states = 0;
      for (String state : r.ctState()) {
        int bit = CT_STATES.indexOf(state == null ? "" : state.strip());
        require(bit >= 0, where + ": ct-state '" + state + "' is not one of " + CT_STATES);
        states |= AclFields.CT_NEW << bit;
      }
      b.ctStates(states);
    }
    return b.build();
  }

  private static int etherType(String text, String where) {
    Integer named = ETHER_TYPES.get(text.toLowerCase(java.util.Locale.ROOT));
    if (named != null) {
      return named;
    }
    int value = number(text, where + ": ether-type");
    require(value >= 0x600 && value <= 0xFFFF, where + ": ether-type must be 0x0600..0xffff");
    return value;
  }

  private static int protocol(String text, String where) {
    Integer named = PROTOCOLS.get(text.toLowerCase(java.util.Locale.ROOT));
    if (named != null) {
      return named;
    }
    int value = number(text, where + ": protocol");
    require(value >= 0 && value <= 255, where + ": protocol must be 0..255 or a name");
    return value;
  }

  private static int number(String text, String what) {
    try {
      return text.startsWith("0x")
          ? Integer.parseInt(text.substring(2), 16)
          : Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new ConfigException(what + ": '" + text + "' is not a number");
    }
  }

  private static long mac(String text, String what) {
    try {
      return MacAddress.parse(text);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(what + ": '" + text + "' is not a MAC address (aa:bb:cc:dd:ee:ff)");
    }
  }

  /** "80" or "1000-2000", inclusive, 0..65535, from <= to. */
  static int[] ports(String text, String what) {
    String[] parts = text.strip().split("-", -1);
    require(parts.length <= 2, what + ": '" + text + "' is not a port or a range like 1000-2000");
    int from = number(parts[0].strip(), what);
    int to = parts.length == 2 ? number(parts[1].strip(), what) : from;
    require(from >= 0 && to <= 65535, what + ": ports are 0..65535");
    require(from <= to, what + ": range " + text + " is reversed");
    return new int[] {from, to};
  }

  /** Sets a prefix on the builder; returns its family (4 or 6). */
  private static int prefix(AclRule.Builder b, String text, boolean source, String what) {
    String[] parts = text.strip().split("/", -1);
    require(parts.length <= 2, what + ": '" + text + "' is not an address or prefix");
    InetAddress address;
    try {
      address = InetAddress.ofLiteral(parts[0]);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(what + ": '" + parts[0] + "' is not an IPv4 or IPv6 address");
    }
    boolean v4 = address instanceof Inet4Address;
    int max = v4 ? 32 : 128;
    int length = parts.length == 2 ? number(parts[1], what) : max;
    require(
        length >= 0 && length <= max, what + ": prefix length of " + text + " is not 0.." + max);
    long high;
    long low;
    if (v4) {
      high = 0;
      low = AclFields.V4_MAPPED | (ByteBuffer.wrap(address.getAddress()).getInt() & 0xFFFF_FFFFL);
      length += 96;
    } else {
      ByteBuffer bytes = ByteBuffer.wrap(address.getAddress());
      high = bytes.getLong();
      low = bytes.getLong();
    }
    if (source) {
      b.srcPrefix(high, low, length);
    } else {
      b.dstPrefix(high, low, length);
    }
    return v4 ? 4 : 6;
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new ConfigException(message);
    }
  }
}
