package io.vswitch.control.config;

import io.vswitch.dataplane.l2.MacAddress;
import io.vswitch.dataplane.l2.overlay.VtepNeighbors;
import io.vswitch.dataplane.l2.overlay.VxlanTunnel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The {@code overlay:} section: its validation (one-line errors) and what it compiles to. Each
 * (segment, remote VTEP) is one tunnel port, named {@code vxlan.<segment>.<address>} ({@code
 * geneve.<segment>.<address>} for a Geneve segment), which takes a port slot of its own (so the FDB
 * learns remote MACs against it, and {@code fdb.static} may point at it); the segment's VLAN is
 * that of its port groups. The segments change live (a tunnel port opened, closed, or reopened when
 * its VNI, VLAN or encapsulation changes), and so do the VTEP's address, the UDP ports, the TTL and
 * the static neighbors (every tunnel reopened on a fresh next-hop cache: {@link #vtepChanged}); the
 * VTEP's port and its device are restart-only ({@link #sameAtRunTime}).
 */
public final class OverlaySpecs {
  /** The port kind of tunnel ports in the runtime's port registry. */
  public static final String PORT_KIND = "vxlan";

  /** VXLAN tunnel port names start with this; no configured port may. */
  public static final String TUNNEL_PREFIX = "vxlan.";

  /** Geneve tunnel port names start with this; no configured port may. */
  public static final String GENEVE_PREFIX = "geneve.";

  private OverlaySpecs() {}

  /**
   * One tunnel port.
   *
   * @param hop the index of its next hop (the remote VTEP on the subnet, else the gateway)
   * @param geneve whether it is Geneve (RFC 8926), else VXLAN
   */
  public record Tunnel(
      String name, String segment, int vni, int vlan, int remote, int hop, boolean geneve) {}

  /** The name of segment s's tunnel port to remote VTEP {@code address} (a.b.c.d). */
  public static String tunnelName(Overlay.Segment s, String address) {
    return (s.geneve() ? GENEVE_PREFIX : TUNNEL_PREFIX) + s.name() + "." + address;
  }

  /** The tunnel ports, in segment then remote-VTEP order; none without an overlay. */
  public static List<Tunnel> tunnels(SwitchConfig config) {
    return tunnels(config, RemoteFacts.NONE);
  }

  /**
   * The tunnel ports: each segment's {@code remote-vteps}, then the VTEPs other hosts published for
   * its VNI in its encapsulation (discovered, by address) that are not listed already, as long as
   * the switch's port limit leaves room (the rest are left out, in address order: {@link
   * #leftOut}). A discovered VTEP off the subnet needs {@code overlay.vtep.gateway}, and one
   * claiming this VTEP's address is ignored.
   */
  public static List<Tunnel> tunnels(SwitchConfig config, RemoteFacts remote) {
    Overlay o = config.overlay();
    if (o == null) {
      return List.of();
    }
    Map<String, SwitchConfig.PortGroup> groups = new HashMap<>();
    config.portGroups().forEach(g -> groups.put(g.name(), g));
    // The running VTEP's cache, or a scratch one for another setting: asking (validation, the
    // API, a change being planned) must not replace the cache the running tunnels share.
    VtepNeighbors neighbors = madeNeighbors(o);
    if (neighbors == null) {
      neighbors = fresh(o);
    }
    int[] subnet = subnet(o.vtep().address(), "overlay.vtep.address");
    int gateway = o.vtep().gateway() == null ? 0 : ConfigValidator.ipv4(o.vtep().gateway(), "");
    List<Tunnel> tunnels = new ArrayList<>();
    for (Overlay.Segment s : o.segments()) {
      int vlan = groups.get(s.portGroups().get(0)).vlan().id();
      for (String listed : s.remoteVteps()) {
        int ip = ConfigValidator.ipv4(listed, "");
        int hop;
        try {
          hop = neighbors.add(onLink(ip, subnet) ? ip : gateway);
        } catch (IllegalStateException e) {
          throw new ConfigException(hopsExhausted(neighbors, 1)); // validate checked: a race
        }
        tunnels.add(
            new Tunnel(tunnelName(s, listed), s.name(), s.vni(), vlan, ip, hop, s.geneve()));
      }
    }
    int room = ConfigLimits.MAX_PORTS - config.ports().size() - tunnels.size();
    for (Overlay.Segment s : o.segments()) {
      int vlan = groups.get(s.portGroups().get(0)).vlan().id();
      for (int ip : discovered(o, s, remote, subnet)) {
        if (room <= 0) {
          break;
        }
        int hop;
        try {
          hop = neighbors.add(onLink(ip, subnet) ? ip : gateway);
        } catch (IllegalStateException e) {
          continue; // no next-hop slot left: left out, as over the port limit
        }
        String address = dotted(ip);
        tunnels.add(
            new Tunnel(tunnelName(s, address), s.name(), s.vni(), vlan, ip, hop, s.geneve()));
        room--;
      }
    }
    return tunnels;
  }

  /**
   * The discovered VTEPs the port limit leaves out, as "segment/address" (for logs and the API).
   */
  public static List<String> leftOut(SwitchConfig config, RemoteFacts remote) {
    Overlay o = config.overlay();
    if (o == null) {
      return List.of();
    }
    Set<String> made = new HashSet<>();
    tunnels(config, remote).forEach(t -> made.add(t.name()));
    int[] subnet = subnet(o.vtep().address(), "overlay.vtep.address");
    List<String> out = new ArrayList<>();
    for (Overlay.Segment s : o.segments()) {
      for (int ip : discovered(o, s, remote, subnet)) {
        if (!made.contains(tunnelName(s, dotted(ip)))) {
          out.add(s.name() + "/" + dotted(ip));
        }
      }
    }
    return out;
  }

  /** Whether tunnel {@code t} was discovered (not in its segment's {@code remote-vteps}). */
  public static boolean isDiscovered(SwitchConfig config, Tunnel t) {
    for (Overlay.Segment s : config.overlay().segments()) {
      if (s.name().equals(t.segment())) {
        return !s.remoteVteps().contains(dotted(t.remote()));
      }
    }
    return true;
  }

  /**
   * The remote VTEPs serving segment s's VNI in its encapsulation that its remote-vteps do not
   * list, ascending.
   */
  private static List<Integer> discovered(
      Overlay o, Overlay.Segment s, RemoteFacts remote, int[] subnet) {
    Set<Integer> listed = new HashSet<>();
    s.remoteVteps().forEach(r -> listed.add(ConfigValidator.ipv4(r, "")));
    java.util.TreeSet<Integer> found = new java.util.TreeSet<>(Integer::compareUnsigned);
    for (RemoteFacts.RemoteVtep v : remote.vteps()) {
      if (v.serves(s.geneve(), s.vni())
          && v.address() != subnet[0]
          && !listed.contains(v.address())
          && (onLink(v.address(), subnet) || o.vtep().gateway() != null)) {
        found.add(v.address());
      }
    }
    return List.copyOf(found);
  }

  /** The distinct next hops of the listed remote VTEPs, in first-use order. */
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
   * The switch's next-hop cache: one per VTEP setting (the overlay but its segments), kept across
   * table publishes and segment changes so learned MACs stay; hops are appended as tunnels need
   * them, never removed. A live VTEP change makes a fresh one (so the hop limit counts per VTEP
   * setting); the old one is plain heap that the old tables and closed tunnel ports still point at,
   * so a worker on older tables keeps reading and writing it safely until it takes the new tables,
   * and the garbage collector retires it once nothing refers to it. Taken only where tables are
   * compiled to be published and where tunnel ports open; {@link #tunnels} (validation, the API, a
   * change being planned) never replaces it.
   */
  public static synchronized VtepNeighbors neighbors(Overlay o) {
    Overlay key = vtepPart(o);
    Cached c = cached;
    if (c != null && c.overlay.equals(key)) {
      return c.neighbors;
    }
    VtepNeighbors made = fresh(o);
    cached = new Cached(key, made);
    return made;
  }

  /** A new cache for overlay o's VTEP: its listed hops, then its static neighbors. */
  private static VtepNeighbors fresh(Overlay o) {
    List<Integer> hops = hops(o);
    for (Overlay.Neighbor n : o.neighbors()) {
      int ip = ConfigValidator.ipv4(n.address(), "");
      if (!hops.contains(ip)) {
        hops.add(ip); // a static MAC for a VTEP that will be discovered
      }
    }
    int[] ips = hops.stream().mapToInt(Integer::intValue).toArray();
    long[] macs = new long[ips.length];
    for (Overlay.Neighbor n : o.neighbors()) {
      int h = hops.indexOf(ConfigValidator.ipv4(n.address(), ""));
      macs[h] = MacAddress.parse(n.mac());
    }
    return new VtepNeighbors(ips, macs);
  }

  /**
   * The VTEP setting the next-hop cache was last made or taken for: what a tunnel port opened now
   * encapsulates with (the control plane takes the desired VTEP's cache before it opens tunnels).
   */
  public static synchronized Overlay currentVtep() {
    Cached c = cached;
    if (c == null) {
      throw new IllegalStateException("no overlay VTEP yet");
    }
    return c.overlay;
  }

  /** The overlay without its segments: the VTEP and how it sends. */
  static Overlay vtepPart(Overlay o) {
    return new Overlay(o.vtep(), o.udpPort(), o.genevePort(), o.ttl(), List.of(), o.neighbors());
  }

  /** The cache of this overlay's VTEP if one was made (the switch's), else null; makes none. */
  private static synchronized VtepNeighbors madeNeighbors(Overlay o) {
    Cached c = cached;
    return c != null && c.overlay.equals(vtepPart(o)) ? c.neighbors : null;
  }

  private static String hopsExhausted(VtepNeighbors made, int more) {
    return "overlay: the remote VTEPs need "
        + more
        + " next hop(s) more than the "
        + (made.capacity() - made.size())
        + " left of the switch's "
        + made.capacity()
        + " (each next-hop address taken for this VTEP setting stays taken): restart vswitch, or"
        + " change the VTEP, to free them";
  }

  /**
   * A tunnel port's spec for the port registry: after the configured ports, named by its segment
   * and remote address, with the uplink's MTU less the 50 bytes.
   */
  public static io.vswitch.dataplane.port.PortSpec portSpec(SwitchConfig config, Tunnel t) {
    return new io.vswitch.dataplane.port.PortSpec(
        t.name(),
        "vni="
            + t.vni()
            + ",segment="
            + t.segment()
            + ",remote="
            + dotted(t.remote())
            + (t.geneve() ? ",encapsulation=" + Overlay.GENEVE : ""),
        1,
        1,
        1,
        tunnelMtu(config),
        PORT_KIND);
  }

  /**
   * The tunnel a registry spec ({@link #portSpec}) describes, its next hop taken (or appended) in
   * the overlay's cache: how a tunnel port opened live finds its encapsulation.
   */
  public static Tunnel tunnelOf(Overlay o, String name, String devargs) {
    Map<String, String> args = new HashMap<>();
    for (String kv : devargs.split(",")) {
      String[] p = kv.split("=", 2);
      args.put(p[0], p.length == 2 ? p[1] : "");
    }
    int ip = ConfigValidator.ipv4(args.get("remote"), "remote");
    int[] subnet = subnet(o.vtep().address(), "overlay.vtep.address");
    int gateway = o.vtep().gateway() == null ? 0 : ConfigValidator.ipv4(o.vtep().gateway(), "");
    int hop = neighbors(o).add(onLink(ip, subnet) ? ip : gateway);
    return new Tunnel(
        name,
        args.get("segment"),
        Integer.parseInt(args.get("vni")),
        0,
        ip,
        hop,
        Overlay.GENEVE.equals(args.get("encapsulation")));
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

  /**
   * The largest inner frame payload a tunnel carries: the uplink's MTU less the 50 bytes; on a
   * team, the smallest member's (any member may carry the tunnels after a failover).
   */
  public static int tunnelMtu(SwitchConfig config) {
    return vtepPorts(config).stream().mapToInt(SwitchConfig.Port::mtuOrDefault).min().orElse(1500)
        - VxlanTunnel.HEADER_BYTES;
  }

  /** The team {@code overlay.vtep.port} names, or null when it names a port. */
  public static SwitchConfig.Team vtepTeam(SwitchConfig config) {
    String name = config.overlay() == null ? null : config.overlay().vtep().port();
    for (SwitchConfig.Team t : config.teams()) {
      if (t.name().equals(name)) {
        return t;
      }
    }
    return null;
  }

  /** The ports that carry the VTEP's frames: its port, or its team's members (those that exist). */
  static List<SwitchConfig.Port> vtepPorts(SwitchConfig config) {
    SwitchConfig.Team team = vtepTeam(config);
    String uplink = config.overlay().vtep().port();
    List<SwitchConfig.Port> found = new ArrayList<>();
    for (SwitchConfig.Port p : config.ports()) {
      if (team == null ? p.name().equals(uplink) : team.members().contains(p.name())) {
        found.add(p);
      }
    }
    return found;
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
      for (String prefix : List.of(TUNNEL_PREFIX, GENEVE_PREFIX)) {
        require(
            !p.name().startsWith(prefix),
            "port '" + p.name() + "': names starting '" + prefix + "' are tunnel ports");
      }
    }
    if (o == null) {
      return;
    }
    Overlay.Vtep v = o.vtep();
    require(v != null, "overlay: needs a vtep: {port, address}");
    SwitchConfig.Team team = vtepTeam(config);
    List<String> teamNames = config.teams().stream().map(SwitchConfig.Team::name).toList();
    require(
        v.port() != null && (ports.containsKey(v.port()) || team != null),
        "overlay.vtep.port must name a port or a team; ports are "
            + ports.keySet()
            + ", teams "
            + teamNames);
    for (SwitchConfig.Team t : config.teams()) {
      require(
          !t.members().contains(v.port()),
          "overlay.vtep.port '"
              + v.port()
              + "' is a member of team '"
              + t.name()
              + "': name the team");
    }
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
    require(o.genevePort() >= 1 && o.genevePort() <= 65535, "overlay.geneve-port must be 1..65535");
    require(
        !o.genevePort().equals(o.udpPort()),
        "overlay.geneve-port and overlay.udp-port are both "
            + o.udpPort()
            + ": VXLAN and Geneve need a UDP port each");
    require(o.ttl() >= 1 && o.ttl() <= 255, "overlay.ttl must be 1..255");
    // No segments is valid: a VTEP that waits for its segments (a distributed switch's, from etcd).
    String uplinkGroup = team != null ? team.portGroup() : ports.get(v.port()).portGroup();
    SwitchConfig.Vlan uplinkVlan =
        uplinkGroup == null || groups.get(uplinkGroup) == null // an unknown one: TeamSpecs says so
            ? SwitchConfig.Vlan.DEFAULT
            : groups.get(uplinkGroup).vlan();
    Set<String> names = new HashSet<>();
    Set<String> vnis = new HashSet<>(); // "encapsulation/VNI": a VNI is unique per encapsulation
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
      require(
          Overlay.VXLAN.equals(s.encapsulation()) || Overlay.GENEVE.equals(s.encapsulation()),
          where + ": encapsulation must be vxlan or geneve, not '" + s.encapsulation() + "'");
      require(
          vnis.add(s.encapsulation() + "/" + s.vni()),
          where
              + ": "
              + (s.geneve() ? "Geneve" : "VXLAN")
              + " VNI "
              + s.vni()
              + " is already another segment's");
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
    for (SwitchConfig.Port uplink : vtepPorts(config)) {
      int mtu = uplink.mtuOrDefault() - VxlanTunnel.HEADER_BYTES;
      require(
          mtu >= 576,
          "overlay: the VTEP port"
              + (team == null ? "" : " (team '" + team.name() + "' member '" + uplink.name() + "')")
              + "'s MTU "
              + uplink.mtuOrDefault()
              + " leaves "
              + mtu
              + " bytes for segments (VXLAN and Geneve take 50); give it mtu >= 626");
    }
    List<Integer> hops = hops(o);
    VtepNeighbors made = madeNeighbors(o);
    if (made != null) { // a running VTEP: its hops are never freed, so its limit is per setting
      int more = (int) hops.stream().filter(h -> made.hop(h) < 0).count();
      require(made.size() + more <= made.capacity(), hopsExhausted(made, more));
    }
    Set<Integer> staticHops = new HashSet<>();
    for (Overlay.Neighbor n : o.neighbors()) {
      int ip = ConfigValidator.ipv4(n.address(), "overlay.neighbors.address");
      require(
          hops.contains(ip) || (onLink(ip, subnet) && ip != local),
          "overlay.neighbors: "
              + n.address()
              + " is not a next hop (an address on the VTEP's subnet, or the gateway)");
      require(staticHops.add(ip), "overlay.neighbors: " + n.address() + " is listed twice");
      require(n.mac() != null, "overlay.neighbors: " + n.address() + " needs a mac");
      ConfigValidator.requireUnicastMac(n.mac(), "overlay.neighbors." + n.address());
    }
  }

  /**
   * The restart-only parts: whether there is an overlay, which port or team is the VTEP's, and that
   * port's (or every member's) device and MTU (the tunnels' MTU is the uplink's less 50, and
   * reopening the uplink would cut every tunnel and the underlay at once). The VTEP's address,
   * gateway and MAC, the UDP port, the TTL and the static neighbors change live ({@link
   * #vtepChanged}): every tunnel is reopened on a fresh next-hop cache.
   */
  public static boolean sameAtRunTime(SwitchConfig a, SwitchConfig b) {
    if ((a.overlay() == null) != (b.overlay() == null)) {
      return false;
    }
    if (a.overlay() == null) {
      return true;
    }
    if (!Objects.equals(a.overlay().vtep().port(), b.overlay().vtep().port())) {
      return false;
    }
    // The VTEP's port, or every member of its team: the same devices with the same MTUs.
    List<SwitchConfig.Port> x = vtepPorts(a);
    List<SwitchConfig.Port> y = vtepPorts(b);
    if (x.isEmpty() || x.size() != y.size()) {
      return false;
    }
    for (int i = 0; i < x.size(); i++) {
      if (!x.get(i).name().equals(y.get(i).name())
          || !PortTypes.devargs(x.get(i)).equals(PortTypes.devargs(y.get(i)))
          || x.get(i).mtuOrDefault() != y.get(i).mtuOrDefault()) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether the VTEP's own settings differ (address, gateway, MAC, UDP port, TTL, static
   * neighbors): each is in every tunnel's encapsulation or in the next-hop cache its hop indexes,
   * so every tunnel is closed and reopened (break-before-make) on a fresh cache.
   */
  public static boolean vtepChanged(SwitchConfig a, SwitchConfig b) {
    return a.overlay() != null
        && b.overlay() != null
        && !vtepPart(a.overlay()).equals(vtepPart(b.overlay()));
  }

  /**
   * A live VTEP change that would leave the overlay without a way to reach what it reaches now is
   * refused (one line): the new address taken by another host's VTEP, or a remote VTEP in use
   * (listed or discovered) off the new subnet without a gateway (discovered ones would otherwise be
   * left out in silence).
   */
  public static void requireLiveVtepChange(
      SwitchConfig running, SwitchConfig desired, RemoteFacts remote) {
    if (!vtepChanged(running, desired)) {
      return;
    }
    Overlay o = desired.overlay();
    int[] subnet = subnet(o.vtep().address(), "overlay.vtep.address");
    for (RemoteFacts.RemoteVtep v : remote.vteps()) {
      require(
          v.address() != subnet[0],
          "overlay.vtep.address "
              + dotted(subnet[0])
              + " is another host's VTEP address (published in etcd): refused");
    }
    if (o.vtep().gateway() != null) {
      return;
    }
    for (Tunnel t : tunnels(running, remote)) {
      require(
          onLink(t.remote(), subnet),
          "overlay.vtep.address "
              + o.vtep().address()
              + ": remote VTEP "
              + dotted(t.remote())
              + " (segment '"
              + t.segment()
              + "') is off that subnet and overlay.vtep.gateway is not set: refused");
    }
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
