package io.vswitch.control.config;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Security groups resolved against one config: each group's member ports and its IP set (the
 * members' {@code addresses}), what a rule's {@code src-group}/{@code dst-group} compiles to.
 *
 * <p>Why an IP set and not a port set: the data plane's ACL already matches prefixes in its
 * decision tree, so a group rule compiles into ordinary rules (one per source x destination prefix
 * of a family, all with the group rule's priority) and the fast path pays nothing new; an ingress
 * port match would not serve a rule evaluated at the destination's egress, where the source's port
 * is long gone. Membership is recomputed from the whole config at every change (a tag added, a port
 * removed), which recompiles the ACLs that name the changed groups and republishes them through the
 * ordinary validated, journaled change; the connection table is not touched, so connections already
 * allowed keep their state (README: "Security groups").
 *
 * <p>The identity is the address: a port that sends from another member's address passes as that
 * member. The switch's {@code forged-transmits: reject} checks only the source MAC; an IP source
 * guard (NSX SpoofGuard) is not built.
 *
 * <p>Refused, each in one line: an unknown group, port, port group or nested group; a group
 * declared with no members at all; groups nesting in a cycle; a member port without addresses (a
 * rule would silently not match it); an address with host bits set (10.0.1.5/24: the host or the
 * network?); more than {@link ConfigLimits#MAX_SECURITY_GROUPS} groups, more than {@link
 * ConfigLimits#MAX_PORT_ADDRESSES} addresses or {@link ConfigLimits#MAX_PORT_TAGS} tags on a port.
 * A group whose criteria match no port right now (no port has the tag yet) is valid and its rules
 * match nothing, as NSX's.
 */
public final class SecurityGroups {
  /** No groups: what a config without {@code security-groups} resolves to. */
  public static final SecurityGroups NONE = new SecurityGroups(Map.of(), Map.of());

  private final Map<String, List<String>> members;
  private final Map<String, List<String>> prefixes;

  private SecurityGroups(Map<String, List<String>> members, Map<String, List<String>> prefixes) {
    this.members = members;
    this.prefixes = prefixes;
  }

  /** Validates the ports' tags and addresses and the groups, and resolves every group. */
  public static SecurityGroups resolve(SwitchConfig config) {
    return resolve(config, RemoteFacts.NONE);
  }

  /**
   * As {@link #resolve(SwitchConfig)}, with the ports of the distributed switch's other hosts as
   * members too (by port group, tag or nested group; {@code ports:} names this host's ports). A
   * remote member is named {@code host/port}; one without addresses adds nothing (it is another
   * host's to refuse), and remote facts were checked when they were read.
   */
  public static SecurityGroups resolve(SwitchConfig config, RemoteFacts remote) {
    Map<String, List<String>> addressesOf = new HashMap<>();
    for (SwitchConfig.Port port : config.ports()) {
      addressesOf.put(port.name(), portAddresses(port));
      portTags(port);
    }
    List<SwitchConfig.SecurityGroup> declared = config.securityGroups();
    require(
        declared.size() <= ConfigLimits.MAX_SECURITY_GROUPS,
        "at most " + ConfigLimits.MAX_SECURITY_GROUPS + " security-groups, not " + declared.size());
    Map<String, SwitchConfig.SecurityGroup> byName = new LinkedHashMap<>();
    Set<String> portGroups = new HashSet<>();
    config.portGroups().forEach(g -> portGroups.add(g.name()));
    for (SwitchConfig.SecurityGroup g : declared) {
      Names.check("security group", g.name());
      String where = "security group '" + g.name() + "'";
      require(
          byName.put(g.name(), g) == null, "security group name '" + g.name() + "' is used twice");
      require(
          !(g.ports().isEmpty()
              && g.portGroups().isEmpty()
              && g.tags().isEmpty()
              && g.groups().isEmpty()),
          where + " has no members: give ports, port-groups, tags or groups");
      for (String port : g.ports()) {
        require(
            addressesOf.containsKey(port),
            where + ": unknown port " + Names.quote(String.valueOf(port)));
      }
      for (String group : g.portGroups()) {
        require(
            portGroups.contains(group),
            where
                + ": unknown port group "
                + Names.quote(String.valueOf(group))
                + "; port-groups are "
                + portGroups);
      }
      for (String tag : g.tags()) {
        Names.check("tag", tag);
      }
    }
    for (SwitchConfig.SecurityGroup g : declared) {
      for (String nested : g.groups()) {
        require(
            byName.containsKey(nested),
            "security group '"
                + g.name()
                + "': unknown group "
                + Names.quote(String.valueOf(nested))
                + "; groups are "
                + byName.keySet());
      }
    }
    Map<String, List<String>> remoteAddresses = new HashMap<>();
    remote.ports().forEach(p -> remoteAddresses.put(p.host() + "/" + p.name(), p.addresses()));
    Map<String, List<String>> members = new LinkedHashMap<>();
    Map<String, List<String>> prefixes = new LinkedHashMap<>();
    for (SwitchConfig.SecurityGroup g : declared) {
      Map<String, String> why = new LinkedHashMap<>(); // member port -> how it is one
      collect(g, byName, config, remote, new ArrayList<>(), why);
      Set<String> ips = new LinkedHashSet<>();
      for (Map.Entry<String, String> m : why.entrySet()) {
        List<String> own = addressesOf.get(m.getKey());
        if (own == null) { // another host's port: its addresses as published
          own = remoteAddresses.getOrDefault(m.getKey(), List.of());
          ips.addAll(own);
          continue;
        }
        require(
            !own.isEmpty(),
            "security group '"
                + g.name()
                + "': member port '"
                + m.getKey()
                + "' ("
                + m.getValue()
                + ") has no addresses; a group rule matches its members by their addresses");
        ips.addAll(own);
      }
      members.put(g.name(), List.copyOf(why.keySet()));
      prefixes.put(g.name(), List.copyOf(ips));
    }
    return new SecurityGroups(members, prefixes);
  }

  /** Adds g's member ports (and why each is one) to {@code out}; {@code path} finds cycles. */
  private static void collect(
      SwitchConfig.SecurityGroup g,
      Map<String, SwitchConfig.SecurityGroup> byName,
      SwitchConfig config,
      RemoteFacts remote,
      List<String> path,
      Map<String, String> out) {
    if (path.contains(g.name())) {
      path.add(g.name());
      throw new ConfigException(
          "security group '"
              + path.get(0)
              + "': groups nest in a cycle: "
              + String.join(" -> ", path));
    }
    path.add(g.name());
    require(
        path.size() <= 8,
        "security group '"
            + path.get(0)
            + "': groups nest deeper than 8: "
            + String.join(" -> ", path));
    String via = path.size() == 1 ? "" : " of group " + g.name();
    for (SwitchConfig.Port port : config.ports()) {
      if (g.ports().contains(port.name())) {
        out.putIfAbsent(port.name(), "listed" + via);
      } else if (port.portGroup() != null && g.portGroups().contains(port.portGroup())) {
        out.putIfAbsent(port.name(), "port group " + port.portGroup() + via);
      } else {
        for (String tag : port.tags()) {
          if (g.tags().contains(tag)) {
            out.putIfAbsent(port.name(), "tag " + tag + via);
            break;
          }
        }
      }
    }
    for (RemoteFacts.RemotePort port : remote.ports()) {
      String id = port.host() + "/" + port.name();
      if (port.portGroup() != null && g.portGroups().contains(port.portGroup())) {
        out.putIfAbsent(id, "port group " + port.portGroup() + " on " + port.host() + via);
      } else {
        for (String tag : port.tags()) {
          if (g.tags().contains(tag)) {
            out.putIfAbsent(id, "tag " + tag + " on " + port.host() + via);
            break;
          }
        }
      }
    }
    for (String nested : g.groups()) {
      collect(byName.get(nested), byName, config, remote, path, out);
    }
    path.remove(path.size() - 1);
  }

  /** A port's tags and addresses, as {@link #resolve} checks them. */
  static void checkPort(SwitchConfig.Port port) {
    portAddresses(port);
    portTags(port);
  }

  private static void portTags(SwitchConfig.Port port) {
    String where = "port '" + port.name() + "'";
    require(
        port.tags().size() <= ConfigLimits.MAX_PORT_TAGS,
        where + ": at most " + ConfigLimits.MAX_PORT_TAGS + " tags");
    Set<String> seen = new HashSet<>();
    for (String tag : port.tags()) {
      Names.check("tag", tag);
      require(seen.add(tag), where + ": tag '" + tag + "' is listed twice");
    }
  }

  /** The port's addresses as canonical prefixes ("10.0.1.1/32", "fd00::/64"), validated. */
  static List<String> portAddresses(SwitchConfig.Port port) {
    String where = "port '" + port.name() + "': address";
    require(
        port.addresses().size() <= ConfigLimits.MAX_PORT_ADDRESSES,
        "port '" + port.name() + "': at most " + ConfigLimits.MAX_PORT_ADDRESSES + " addresses");
    Set<String> out = new LinkedHashSet<>();
    for (String text : port.addresses()) {
      String canonical = canonical(text, where);
      require(out.add(canonical), where + " " + canonical + " is listed twice");
    }
    return List.copyOf(out);
  }

  /** "10.0.1.1" -> "10.0.1.1/32", "FD00::0/64" -> "fd00:0:0:0:0:0:0:0/64"; host bits refused. */
  public static String canonical(String text, String what) {
    require(text != null, what + " is empty");
    String[] parts = text.split("/", -1); // not stripped: "10.0.0.1\n" is no address
    require(parts.length <= 2, what + " " + Names.quote(text) + " is not an address or prefix");
    InetAddress address;
    try {
      address = InetAddress.ofLiteral(parts[0]);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          what + " " + Names.quote(parts[0]) + " is not an IPv4 or IPv6 address");
    }
    int max = address instanceof Inet4Address ? 32 : 128;
    int length = max;
    if (parts.length == 2) {
      require(parts[1].matches("[0-9]{1,3}"), what + " " + Names.quote(text) + ": bad length");
      length = Integer.parseInt(parts[1]);
    }
    require(length <= max, what + " " + Names.quote(text) + ": prefix length is 0.." + max);
    BigInteger bits = new BigInteger(1, address.getAddress());
    BigInteger host = BigInteger.ONE.shiftLeft(max - length).subtract(BigInteger.ONE);
    require(
        bits.and(host).signum() == 0,
        what
            + " "
            + Names.quote(text)
            + " has host bits set: give the host ("
            + parts[0]
            + ") or its network");
    return address.getHostAddress() + "/" + length;
  }

  public boolean has(String group) {
    return members.containsKey(group);
  }

  public Set<String> names() {
    return members.keySet();
  }

  /** Member ports of a group, in config order. */
  public List<String> members(String group) {
    return members.getOrDefault(group, List.of());
  }

  /** The group's IP set: its members' addresses, canonical and without repeats. */
  public List<String> prefixes(String group) {
    return prefixes.getOrDefault(group, List.of());
  }

  /** The IP sets of {@code groups}: what a compiled ACL that names them depends on. */
  public Map<String, List<String>> prefixesOf(Collection<String> groups) {
    Map<String, List<String>> out = new TreeMap<>();
    for (String g : groups) {
      out.put(g, prefixes(g));
    }
    return out;
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new ConfigException(message);
    }
  }
}
