package io.vswitch.control.tap;

import io.vswitch.dataplane.acl.Acl;
import io.vswitch.dataplane.l2.Feature;
import io.vswitch.dataplane.l2.MacAddress;
import io.vswitch.dataplane.l2.tap.TraceRecord;
import io.vswitch.dataplane.l2.tap.TraceSession;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A trace's records as the API's JSON: per packet the parsed fields, the VLAN, the ACL rule (index,
 * priority, action) or default, the policer's colour, FDB hit or flood, the egress ports, and a
 * drop's reason and feature; only what the packet got to.
 */
final class TraceJson {
  private TraceJson() {}

  /** A trace's records so far, for the API: port indexes as {@code names} gives them. */
  static Map<String, Object> report(
      TraceSession t, String port, boolean done, Map<Integer, String> names) {
    List<Map<String, Object>> packets = new ArrayList<>();
    for (int s = 0; s < t.capacity(); s++) {
      TraceRecord r = t.record(s);
      if (r != null) {
        packets.add(packet(r, port, names));
      }
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("id", t.id());
    result.put("port", port);
    result.put("count", t.capacity());
    result.put("recorded", packets.size());
    result.put("done", done);
    result.put("packets", packets);
    return result;
  }

  private static Map<String, Object> packet(TraceRecord r, String port, Map<Integer, String> n) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("packet", r.index());
    p.put("port", port);
    p.put("worker", r.worker());
    p.put("queue", r.queue());
    p.put("length", r.length());
    p.put("src", MacAddress.format(r.srcMac()));
    p.put("dst", MacAddress.format(r.dstMac()));
    if (r.tag() != 0) {
      p.put("tag-vid", r.tag() & 0xFFF);
      p.put("tag-pcp", (r.tag() >>> 13) & 7);
    }
    p.put("ethertype", String.format(Locale.ROOT, "0x%04x", r.etherType()));
    List<String> features = r.features().stream().map(Feature::name).toList();
    p.put("features", features.stream().map(f -> f.toLowerCase(Locale.ROOT)).toList());
    if (r.features().contains(Feature.VLAN_CLASSIFY) && r.dropFeature() != Feature.VLAN_CLASSIFY) {
      p.put("vlan", r.vlan());
    }
    if (r.aclIn() != null) {
      p.put("acl-in", acl(r.aclIn(), r.aclRule()));
    }
    if (r.color() >= 0) {
      p.put("policer", new String[] {"green", "yellow", "red"}[r.color()]);
    }
    if (r.forwarded()) {
      p.put("fdb", r.flooded() ? "flood" : "hit " + n.getOrDefault(r.egress(), "#" + r.egress()));
      p.put("forward-to", ports(r.forwardOut(), n));
    }
    if (r.aclOutRemoved() != 0) {
      p.put("acl-out-denied", ports(r.aclOutRemoved(), n));
    }
    if (r.dropFeature() == null && r.features().contains(Feature.TRANSMIT)) {
      p.put("egress", ports(r.out(), n));
    }
    if (r.dropReason() != null) {
      Map<String, Object> drop = new LinkedHashMap<>();
      drop.put("reason", r.dropReason().label());
      drop.put("feature", r.dropFeature().name().toLowerCase(Locale.ROOT));
      p.put("drop", drop);
    }
    return p;
  }

  private static Map<String, Object> acl(Acl acl, int rule) {
    Map<String, Object> a = new LinkedHashMap<>();
    a.put("acl", acl.name());
    if (rule < 0 || rule >= acl.rules().size()) {
      a.put("rule", "default");
      a.put("action", acl.defaultAllow() ? "allow" : "deny");
    } else {
      a.put("rule", rule);
      a.put("priority", acl.rules().get(rule).priority());
      a.put("action", acl.rules().get(rule).allow() ? "allow" : "deny");
    }
    return a;
  }

  private static List<String> ports(long mask, Map<Integer, String> names) {
    List<String> list = new ArrayList<>();
    for (; mask != 0; mask &= mask - 1) {
      int p = Long.numberOfTrailingZeros(mask);
      list.add(names.getOrDefault(p, "#" + p));
    }
    return list;
  }
}
