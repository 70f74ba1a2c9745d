package io.vswitch.control.api;

import io.vswitch.control.config.Overlay;
import io.vswitch.control.config.OverlaySpecs;
import io.vswitch.control.config.SwitchConfig;
import io.vswitch.control.plane.ControlPlane;
import io.vswitch.dataplane.l2.FdbClock;
import io.vswitch.dataplane.l2.MacAddress;
import io.vswitch.dataplane.l2.overlay.VtepNeighbors;
import io.vswitch.dataplane.l2.team.Team;
import io.vswitch.dataplane.port.Port;
import io.vswitch.dataplane.stats.CounterFile;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.stats.PortCounter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /v1/overlay}: the VTEP (address, MAC, the MTU its segments get), its next hops and
 * whether their MACs are resolved, and per segment its VNI, VLAN, port groups and remote VTEPs,
 * each with its tunnel port, counters and the remote MACs the FDB learned behind it, and the
 * discovered VTEPs the switch's limits leave out ("segment/address"). A VTEP on a team shows its
 * members and the one carrying its frames now ({@code carrying}, null while none is healthy). On
 * the agent.
 */
final class OverlayApi {
  private OverlayApi() {}

  static Map<String, Object> show(ControlPlane plane) {
    SwitchConfig config = plane.running();
    Overlay o = config.overlay();
    Map<String, Object> view = new LinkedHashMap<>();
    if (o == null || plane.l2() == null) {
      view.put("segments", List.of());
      return view;
    }
    Map<String, Integer> indexOf = new HashMap<>();
    for (Port p : plane.runtime().ports()) {
      indexOf.put(p.name(), p.index());
    }
    Map<Integer, List<String>> macs = new HashMap<>();
    plane
        .l2()
        .fdb()
        .forEach(
            FdbClock.nowSeconds(),
            (vlan, mac, port, age) ->
                macs.computeIfAbsent(port, k -> new ArrayList<>())
                    .add(MacAddress.format(mac) + (age < 0 ? " static" : "")));
    Map<String, Object> vtep = new LinkedHashMap<>();
    vtep.put("port", o.vtep().port());
    vtep.put("address", o.vtep().address());
    vtep.put("gateway", o.vtep().gateway());
    vtep.put("mac", MacAddress.format(OverlaySpecs.localMac(o)));
    vtep.put("udp-port", o.udpPort());
    vtep.put("geneve-port", o.genevePort());
    vtep.put("ttl", o.ttl());
    vtep.put("udp-checksum", "zero (IPv4: RFC 7348 section 5, RFC 8926)");
    vtep.put("overhead", 50);
    vtep.put("mtu", OverlaySpecs.tunnelMtu(config));
    Team team = plane.l2().tables().overlay().team();
    if (team != null) { // on a team: its members and the one the VTEP's frames leave by now
      int carrier = plane.l2().tables().overlay().carrier();
      List<String> members = new ArrayList<>();
      String carrying = null;
      for (int m = 0; m < team.size(); m++) {
        members.add(team.memberName(m));
        carrying = team.slot(m) >= 0 && team.slot(m) == carrier ? team.memberName(m) : carrying;
      }
      vtep.put("team", Map.of("members", members));
      vtep.put("carrying", carrying);
    }
    view.put("vtep", vtep);
    VtepNeighbors neighbors = OverlaySpecs.neighbors(o);
    long now = FdbClock.nowSeconds();
    List<Object> hops = new ArrayList<>();
    for (int h = 0; h < neighbors.size(); h++) {
      Map<String, Object> n = new LinkedHashMap<>();
      n.put("address", OverlaySpecs.dotted(neighbors.ip(h)));
      long mac = neighbors.mac(h);
      n.put("mac", mac == 0 ? null : MacAddress.format(mac));
      n.put("static", neighbors.isStatic(h));
      n.put("age", neighbors.seen(h) == 0 ? null : now - neighbors.seen(h));
      hops.add(n);
    }
    view.put("neighbors", hops);
    CounterFile counters = plane.runtime().counters();
    Map<String, Map<String, Object>> segments = new LinkedHashMap<>();
    Map<String, Overlay.Segment> byName = new HashMap<>();
    o.segments().forEach(s -> byName.put(s.name(), s));
    for (OverlaySpecs.Tunnel t : OverlaySpecs.tunnels(config, plane.remote())) {
      Map<String, Object> s =
          segments.computeIfAbsent(
              t.segment(),
              name -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", name);
                m.put("vni", t.vni());
                m.put("encapsulation", t.geneve() ? Overlay.GENEVE : Overlay.VXLAN);
                m.put("vlan", t.vlan());
                m.put("port-groups", byName.get(name).portGroups());
                m.put("mtu", OverlaySpecs.tunnelMtu(config));
                m.put("remote-vteps", new ArrayList<Object>());
                return m;
              });
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("address", OverlaySpecs.dotted(t.remote()));
      r.put("port", t.name());
      r.put("discovered", OverlaySpecs.isDiscovered(config, t));
      r.put("next-hop", OverlaySpecs.dotted(neighbors.ip(t.hop())));
      r.put("resolved", neighbors.mac(t.hop()) != 0);
      Integer index = indexOf.get(t.name());
      if (index != null) {
        r.put("rx_packets", counters.sum(index, PortCounter.RX_PACKETS));
        r.put("tx_packets", counters.sum(index, PortCounter.TX_PACKETS));
        r.put("tx_mtu_exceeded", counters.sum(index, DropReason.TX_MTU_EXCEEDED));
        r.put("macs", macs.getOrDefault(index, List.of()));
      }
      @SuppressWarnings("unchecked")
      List<Object> remotes = (List<Object>) s.get("remote-vteps");
      remotes.add(r);
    }
    // Segments without remote VTEPs have no tunnel: list them too.
    for (Overlay.Segment seg : o.segments()) {
      if (!segments.containsKey(seg.name())) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", seg.name());
        m.put("vni", seg.vni());
        m.put("encapsulation", seg.encapsulation());
        m.put("port-groups", seg.portGroups());
        m.put("mtu", OverlaySpecs.tunnelMtu(config));
        m.put("remote-vteps", List.of());
        segments.put(seg.name(), m);
      }
    }
    view.put("segments", new ArrayList<>(segments.values()));
    // Discovered VTEPs the switch's limits (32 ports, 128 next hops for its life) leave out.
    view.put("left-out", OverlaySpecs.leftOut(config, plane.remote()));
    return view;
  }
}
