package io.vswitch.control.config;

import io.vswitch.dataplane.l2.MacAddress;
import io.vswitch.dataplane.l2.VtepNeighbors;
import io.vswitch.dataplane.l2.VxlanTunnel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The {@code overlay:} section: its validation (one-line errors) and what it compiles to. Each
 * (segment, remote VTEP) is one tunnel port, named {@code vxlan.<segment>.<address>}, which takes a
 * port slot of its own (so the FDB learns remote MACs against it, and {@code fdb.static} may point
 * at it); the segment's VLAN is that of its port groups. Restart-only.
 */
public final class OverlaySpecs {
  /** The port kind of tunnel ports in the runtime's port registry. */
  public static final String PORT_KIND = "vxlan";

  /** Tunnel port names start with this; no configured port may. */
  public static final String TUNNEL_PREFIX = "vxlan.";

  private OverlaySpecs() {}

  /**
   * One tunnel port.
   *
   * @param hop the index of its next hop (the remote VTEP on the subnet, else the gateway)
   */
  public record Tunnel(String name, String segment, int vni, int vlan, int remote, int hop) {}

  /** The tunnel ports, in segment then remote-VTEP order; none without an overlay. */
  public static List<Tunnel> tunnels(SwitchConfig config) {
    Overlay o = config.overlay();
    if (o == null) {
      return List.of();
    }
    Map<String, SwitchConfig.PortGroup> groups = new HashMap<>();
    config.portGroups().forEach(g -> groups.put(g.name(), g));
    List<Integer> hops = hops(o);
    int[] subnet = subnet(o.vtep().address(), "overlay.vtep.address");
    int gateway = o.vtep().gateway() == null ? 0 : ConfigValidator.ipv4(o.vtep().gateway(), "");
    List<Tunnel> tunnels = new ArrayList<>();
    for (Overlay.Segment s : o.segments()) {
      int vlan = groups.get(s.portGroups().get(0)).vlan().id();
      for (String remote : s.remoteVteps()) {
        int ip = ConfigValidator.ipv4(remote, "");
        int hop = hops.indexOf(onLink(ip, subnet) ? ip : gateway);
        tunnels.add(
            new Tunnel(TUNNEL_PREFIX + s.name() + "." + remote, s.name(), s.vni(), vlan, ip, hop));
      }
    }
    return tunnels;
  }

  /** The distinct next hops, in first-use order. */
  private static List<Integer> hops(Overlay o) {
    int[] subnet = subnet(o.vtep().address(), "overlay.vtep.address");
    int gateway = o.vtep().gateway() == null ? 0 : ConfigValidator.ipv4(o.vtep().gateway(), "");
    List<Integer> hops = new ArrayList<>();
    for (Overlay.Segment s : o.segments()) {
      for (String remote : s.remoteVteps()) {
        int ip = ConfigValidator.ipv4(remote, "");
        int hop = onLink(ip, subnet) ? ip : gateway;
        if (!hops.contains(hop)) {
          hops.add(hop);
        }
      }
    }
    return hops;
  }

  private record Cached(Overlay overlay, VtepNeighbors neighbors) {}

  private static volatile Cached cached;

  /**
   * The switch's next-hop cache: one per overlay config, kept across table publishes (the overlay
   * is restart-only, so a running switch has exactly one).
   */
  public static VtepNeighbors neighbors(Overlay o) {
    Cached c = cached;
    if (c != null && c.overlay.equals(o)) {
      return c.neighbors;
    }
    List<Integer> hops = hops(o);
    int[] ips = hops.stream().mapToInt(Integer::intValue).toArray();
    long[] macs = new long[ips.length];
    for (Overlay.Neighbor n : o.neighbors()) {
      int h = hops.indexOf(ConfigValidator.ipv4(n.address(), ""));
      macs[h] = MacAddress.parse(n.mac());
    }
    VtepNeighbors made = new VtepNeighbors(ips, macs);
    cached = new Cached(o, made);
    return made;
  }

  public static int localIp(Overlay o) {
    return subnet(o.vtep().address(), "overlay.vtep.address")[0];
  }

  /** The VTEP's MAC: configured, or 02:00 followed by its IPv4 address (locally administered). */
  public static long localMac(Overlay o) {
    return o.vtep().mac() != null
        ? MacAddress.parse(o.vtep().mac())
        : 0x0200_0000_0000L | (localIp(o) & 0xFFFF_FFFFL);
  }

  /** The largest inner frame payload a tunnel carries: the uplink's MTU less the 50 bytes. */
  public static int tunnelMtu(SwitchConfig config) {
    String uplink = config.overlay().vtep().port();
    int mtu =
        config.ports().stream()
            .filter(p -> p.name().equals(uplink))
            .findFirst()
            .map(SwitchConfig.Port::mtuOrDefault)
            .orElse(1500);
    return mtu - VxlanTunnel.HEADER_BYTES;
  }

  /** The segment VLAN of tunnel port {@code name}, or null if it is none. */
  public static Integer tunnelVlan(SwitchConfig config, String name) {
    for (Tunnel t : tunnels(config)) {
      if (t.name().equals(name)) {
        return t.vlan();
      }
    }
    return null;
  }

  static void validate(
      SwitchConfig config,
      Map<String, SwitchConfig.Port> ports,
      Map<String, SwitchConfig.PortGroup> groups) {
    Overlay o = config.overlay();
    for (SwitchConfig.Port p : config.ports()) {
      require(
          !p.name().startsWith(TUNNEL_PREFIX),
          "port '" + p.name() + "': names starting '" + TUNNEL_PREFIX + "' are tunnel ports");
    }
    if (o == null) {
      return;
    }
    Overlay.Vtep v = o.vtep();
    require(v != null, "overlay: needs a vtep: {port, address}");
    require(
        v.port() != null && ports.containsKey(v.port()),
        "overlay.vtep.port must name a port; ports are " + ports.keySet());
    int[] subnet = subnet(v.address(), "overlay.vtep.address");
    int local = subnet[0];
    if (v.gateway() != null) {
      int gw = ConfigValidator.ipv4(v.gateway(), "overlay.vtep.gateway");
      require(
          onLink(gw, subnet),
          "overlay.vtep.gateway " + v.gateway() + " is not on the VTEP's subnet");
      require(gw != local, "overlay.vtep.gateway is the VTEP's own address");
    }
    if (v.mac() != null) {
      ConfigValidator.requireUnicastMac(v.mac(), "overlay.vtep.mac");
    }
    require(o.udpPort() >= 1 && o.udpPort() <= 65535, "overlay.udp-port must be 1..65535");
    require(o.ttl() >= 1 && o.ttl() <= 255, "overlay.ttl must be 1..255");
    require(!o.segments().isEmpty(), "overlay: needs at least one segment");
    SwitchConfig.Port uplink = ports.get(v.port());
    SwitchConfig.Vlan uplinkVlan =
        uplink.portGroup() == null
            ? SwitchConfig.Vlan.DEFAULT
            : groups.get(uplink.portGroup()).vlan();
    Set<String> names = new HashSet<>();
    Set<Integer> vnis = new HashSet<>();
    Map<String, String> segmentOfGroup = new HashMap<>();
    Map<Integer, String> segmentOfVlan = new HashMap<>();
    int tunnels = 0;
    for (Overlay.Segment s : o.segments()) {
      Names.check("segment", s.name());
      String where = "overlay segment '" + s.name() + "'";
      require(names.add(s.name()), "overlay: segment name '" + s.name() + "' is used twice");
      require(
          s.vni() != null && s.vni() >= 1 && s.vni() <= 0xFF_FFFF,
          where + ": vni must be 1..16777215");
      require(vnis.add(s.vni()), where + ": VNI " + s.vni() + " is already another segment's");
      require(!s.portGroups().isEmpty(), where + ": needs port-groups (its local side)");
      Integer vlan = null;
      for (String g : s.portGroups()) {
        SwitchConfig.PortGroup group = groups.get(g);
        require(
            group != null,
            where + ": unknown port group '" + g + "'; groups are " + groups.keySet());
        String other = segmentOfGroup.putIfAbsent(g, s.name());
        require(
            other == null,
            where + ": port group '" + g + "' is already in segment '" + other + "'");
        require(
            group.vlan().mode().equals("access"),
            where + ": port group '" + g + "' must be access (a segment is one VLAN)");
        require(
            vlan == null || vlan.equals(group.vlan().id()),
            where
                + ": its port groups are on VLANs "
                + vlan
                + " and "
                + group.vlan().id()
                + "; a segment is one VLAN");
        vlan = group.vlan().id();
      }
      String otherVlan = segmentOfVlan.putIfAbsent(vlan, s.name());
      require(
          otherVlan == null, where + ": VLAN " + vlan + " is already segment '" + otherVlan + "'");
      require(
          !ConfigValidator.carries(uplinkVlan, vlan),
          where
              + ": VLAN "
              + vlan
              + " is also carried by the VTEP port '"
              + v.port()
              + "' (a loop)");
      Set<Integer> remotes = new HashSet<>();
      for (String r : s.remoteVteps()) {
        int ip = ConfigValidator.ipv4(r, where + ": remote-vteps");
        require(ip != local, where + ": remote VTEP " + r + " is this VTEP's own address");
        require(remotes.add(ip), where + ": remote VTEP " + r + " is listed twice");
        require(
            onLink(ip, subnet) || v.gateway() != null,
            where
                + ": remote VTEP "
                + r
                + " is off the VTEP's subnet and overlay.vtep.gateway is not set");
        tunnels++;
      }
    }
    require(
        config.ports().size() + tunnels <= ConfigLimits.MAX_PORTS,
        "overlay: "
            + tunnels
            + " tunnel ports (one per segment and remote VTEP) and "
            + config.ports().size()
            + " ports exceed the switch's "
            + ConfigLimits.MAX_PORTS);
    int mtu = uplink.mtuOrDefault() - VxlanTunnel.HEADER_BYTES;
    require(
        mtu >= 576,
        "overlay: the VTEP port's MTU "
            + uplink.mtuOrDefault()
            + " leaves "
            + mtu
            + " bytes for segments (VXLAN takes 50); give it mtu >= 626");
    List<Integer> hops = hops(o);
    Set<Integer> staticHops = new HashSet<>();
    for (Overlay.Neighbor n : o.neighbors()) {
      int ip = ConfigValidator.ipv4(n.address(), "overlay.neighbors.address");
      require(
          hops.contains(ip),
          "overlay.neighbors: "
              + n.address()
              + " is not a next hop (an on-link remote VTEP or the gateway)");
      require(staticHops.add(ip), "overlay.neighbors: " + n.address() + " is listed twice");
      require(n.mac() != null, "overlay.neighbors: " + n.address() + " needs a mac");
      ConfigValidator.requireUnicastMac(n.mac(), "overlay.neighbors." + n.address());
    }
  }

  /** The restart-only parts: the whole overlay and the VTEP port's device. */
  public static boolean sameAtRunTime(SwitchConfig a, SwitchConfig b) {
    if (!Objects.equals(a.overlay(), b.overlay())) {
      return false;
    }
    if (a.overlay() == null) {
      return true;
    }
    String uplink = a.overlay().vtep().port();
    Map<String, SwitchConfig.Port> pa = new LinkedHashMap<>();
    a.ports().forEach(p -> pa.put(p.name(), p));
    Map<String, SwitchConfig.Port> pb = new LinkedHashMap<>();
    b.ports().forEach(p -> pb.put(p.name(), p));
    SwitchConfig.Port x = pa.get(uplink);
    SwitchConfig.Port y = pb.get(uplink);
    return x != null
        && y != null
        && PortTypes.devargs(x).equals(PortTypes.devargs(y))
        && x.mtuOrDefault() == y.mtuOrDefault();
  }

  /** An IPv4 address as a.b.c.d. */
  public static String dotted(int ip) {
    return (ip >>> 24) + "." + (ip >>> 16 & 0xFF) + "." + (ip >>> 8 & 0xFF) + "." + (ip & 0xFF);
  }

  /** a.b.c.d/n: {address, mask}. */
  static int[] subnet(String text, String what) {
    require(
        text != null && text.contains("/"),
        what + ": '" + text + "' needs a prefix length (a.b.c.d/n)");
    String[] parts = text.split("/", 2);
    int ip = ConfigValidator.ipv4(parts[0], what);
    require(parts[1].matches("[0-9]{1,2}"), what + ": '" + text + "' needs a prefix length 1..32");
    int n = Integer.parseInt(parts[1]);
    require(n >= 1 && n <= 32, what + ": '" + text + "' needs a prefix length 1..32");
    return new int[] {ip, n == 32 ? -1 : ~(-1 >>> n)};
  }

  private static boolean onLink(int ip, int[] subnet) {
    return (ip & subnet[1]) == (subnet[0] & subnet[1]);
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new ConfigException(message);
    }
  }
}
