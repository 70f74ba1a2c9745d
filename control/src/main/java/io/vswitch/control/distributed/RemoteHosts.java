package io.vswitch.control.distributed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.control.config.ConfigException;
import io.vswitch.control.config.ConfigLimits;
import io.vswitch.control.config.ConfigValidator;
import io.vswitch.control.config.Names;
import io.vswitch.control.config.Overlay;
import io.vswitch.control.config.OverlaySpecs;
import io.vswitch.control.config.RemoteFacts;
import io.vswitch.control.config.SecurityGroups;
import io.vswitch.control.config.SwitchConfig;
import io.vswitch.control.plane.ApplyException;
import io.vswitch.control.plane.ConfigJson;
import io.vswitch.control.plane.ControlAgent;
import io.vswitch.control.plane.ControlPlane;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.RejectedExecutionException;

/**
 * The other hosts of a distributed switch, as their records under {@code /vswitch/S/hosts/} say:
 * their ports' port groups, tags and addresses (members of this host's security groups) and their
 * VTEP with the VNIs it serves, VXLAN ({@code vnis}) and Geneve ({@code geneve-vnis}) apart (a
 * tunnel port here for each segment both serve in the same encapsulation). Read on the etcd thread
 * ({@link #refresh}) as soon as the watch of the records says one changed, and once a second with
 * the heartbeat as the fallback, so a record that appears, changes or expires with its lease
 * reaches the tables at once, within about a second at worst.
 *
 * <p>A record is another host's word, so it is checked and bounded before anything is made of it:
 * at most {@link #MAX_RECORD_BYTES}, {@link #MAX_HOSTS} hosts, {@link ConfigLimits#MAX_PORTS}
 * ports, tags and addresses as the config's own limits and rules ({@code
 * SecurityGroups.canonical}), VNIs 1..16777215 ({@link #MAX_VNIS} in both lists together), a dotted
 * IPv4 VTEP. A record that fails any of it counts as absent (that host adds nothing) and is logged
 * once per distinct value; the others are used. The facts then go to the control agent as any
 * change does ({@link ControlPlane#applyRemote}): validated whole with the running config, applied
 * whole or refused (logged; the last facts stay).
 *
 * <p>Not journaled. While etcd is unreachable the last facts stay (a host that cannot be seen is
 * not taken for dead); a host restarted while etcd is down starts with none: only its own ports are
 * in its groups and only listed remote VTEPs get tunnels until etcd answers (stale facts from
 * before a restart could open a tunnel to a host that is gone, or let an address through that has
 * since moved to another VM).
 */
public final class RemoteHosts {
  /** Longest record read: 32 ports with 16 addresses and 16 tags each fit in a fraction of it. */
  static final int MAX_RECORD_BYTES = 64 << 10;

  /** Most other hosts whose records are used (by host name order); the rest are logged. */
  static final int MAX_HOSTS = 64;

  /** Most VNIs one VTEP may say it serves, VXLAN and Geneve together. */
  static final int MAX_VNIS = 4096;

  /** The record's list of the VNIs of its Geneve segments, beside {@code vnis} (VXLAN). */
  static final String GENEVE_VNIS = "geneve-vnis";

  private final String self;
  private final PrintStream log;
  private final Map<String, String> complained = new HashMap<>(); // host -> value refused
  private RemoteFacts offered; // the last facts judged by the control agent, applied or refused

  public RemoteHosts(String self, PrintStream log) {
    this.self = self;
    this.log = log;
  }

  /**
   * What this host publishes about itself beside the record's {@code ports}: each port's tags and
   * addresses, and with an overlay the VTEP's address and the VNIs it serves: {@code vnis} its
   * VXLAN segments', {@code geneve-vnis} its Geneve segments' (only if it has one).
   */
  public static void describe(SwitchConfig running, ObjectNode record) {
    Map<String, SwitchConfig.Port> byName = new HashMap<>();
    running.ports().forEach(p -> byName.put(p.name(), p));
    JsonNode ports = record.path("ports");
    for (JsonNode node : ports) {
      SwitchConfig.Port p = byName.get(node.path("name").asText());
      if (p == null || !(node instanceof ObjectNode port)) {
        continue;
      }
      if (!p.tags().isEmpty()) {
        ArrayNode tags = port.putArray("tags");
        p.tags().forEach(tags::add);
      }
      if (!p.addresses().isEmpty()) {
        ArrayNode addresses = port.putArray("addresses");
        p.addresses().forEach(addresses::add);
      }
    }
    Overlay o = running.overlay();
    if (o != null) {
      record.put("vtep", OverlaySpecs.dotted(OverlaySpecs.localIp(o)));
      // A VNI is unique per encapsulation, so the two lists are apart: "vnis" holds the VXLAN
      // segments' only (what a host that knows no Geneve reads, and reads right), "geneve-vnis"
      // the Geneve ones, and only when there is one (a VXLAN-only host's record is as it was).
      ArrayNode vnis = record.putArray("vnis");
      o.segments().stream()
          .filter(s -> !s.geneve())
          .map(Overlay.Segment::vni)
          .sorted()
          .forEach(vnis::add);
      List<Integer> geneve =
          o.segments().stream().filter(Overlay.Segment::geneve).map(Overlay.Segment::vni).toList();
      if (!geneve.isEmpty()) {
        ArrayNode list = record.putArray(GENEVE_VNIS);
        geneve.stream().sorted().forEach(list::add);
      }
    }
  }

  /**
   * Reads every host record and, when the facts differ from the last judged, has the control agent
   * apply them. On the etcd thread.
   *
   * @throws EtcdStore.EtcdException etcd cannot be reached (the caller reconnects)
   */
  void refresh(Map<String, String> records, ControlAgent agent, ControlPlane plane) {
    RemoteFacts facts = read(records);
    if (facts.equals(offered)) {
      return;
    }
    RemoteFacts before = offered == null ? RemoteFacts.NONE : offered;
    try {
      String what =
          agent.submit(
              () -> {
                SwitchConfig running = plane.running();
                Set<String> tunnelsBefore = tunnelNames(running, plane.remote());
                if (!plane.applyRemote(facts)) {
                  return null;
                }
                Set<String> tunnelsAfter = tunnelNames(running, facts);
                Set<String> opened = new TreeSet<>(tunnelsAfter);
                opened.removeAll(tunnelsBefore);
                Set<String> closed = new TreeSet<>(tunnelsBefore);
                closed.removeAll(tunnelsAfter);
                String change = "";
                if (!opened.isEmpty()) {
                  change += "; tunnel ports opened: " + String.join(", ", opened);
                }
                if (!closed.isEmpty()) {
                  change += "; tunnel ports closed: " + String.join(", ", closed);
                }
                List<String> leftOut = OverlaySpecs.leftOut(running, facts);
                if (!leftOut.isEmpty()) {
                  change += "; left out (the switch's port limit): " + String.join(", ", leftOut);
                }
                return change;
              });
      offered = facts;
      if (what != null) {
        say(
            "vswitch: etcd: other hosts now %s (%s)%s",
            hostsOf(facts), hostsChanged(before, facts), what);
      }
    } catch (RejectedExecutionException e) {
      // the agent is busy or stopping: offered again at the next heartbeat
    } catch (ConfigException | ApplyException e) {
      offered = facts; // judged: not retried (and logged) every second
      say(
          "vswitch: warning: etcd: the other hosts' records (%s) do not fit this host: %s; keeping"
              + " what it had",
          hostsOf(facts), e.getMessage());
    }
  }

  private static Set<String> tunnelNames(SwitchConfig config, RemoteFacts facts) {
    Set<String> names = new HashSet<>();
    OverlaySpecs.tunnels(config, facts).forEach(t -> names.add(t.name()));
    return names;
  }

  /** The facts of the records that pass the checks (this host's own left out). */
  RemoteFacts read(Map<String, String> records) {
    List<RemoteFacts.RemotePort> ports = new ArrayList<>();
    List<RemoteFacts.RemoteVtep> vteps = new ArrayList<>();
    Map<String, String> sorted = new TreeMap<>(records);
    sorted.remove(self);
    int used = 0;
    for (Map.Entry<String, String> e : sorted.entrySet()) {
      String host = e.getKey();
      String value = e.getValue();
      if (used == MAX_HOSTS) {
        complain(host, value, "more than " + MAX_HOSTS + " other hosts: this one is left out");
        continue;
      }
      try {
        parse(host, value, ports, vteps);
        used++;
        complained.remove(host);
      } catch (ConfigException | IllegalArgumentException e2) {
        complain(host, value, e2.getMessage());
      }
    }
    complained.keySet().retainAll(sorted.keySet()); // an expired host may come back with the same
    ports.sort(
        Comparator.comparing(RemoteFacts.RemotePort::host)
            .thenComparing(RemoteFacts.RemotePort::name));
    return new RemoteFacts(ports, vteps);
  }

  /** Adds one host's facts, all or none. */
  private static void parse(
      String host,
      String value,
      List<RemoteFacts.RemotePort> allPorts,
      List<RemoteFacts.RemoteVtep> allVteps) {
    require(Names.isValid(host), "the host's name is not a valid name");
    require(
        value != null && value.getBytes(StandardCharsets.UTF_8).length <= MAX_RECORD_BYTES,
        "the record is larger than " + MAX_RECORD_BYTES + " bytes");
    JsonNode record;
    try {
      record = ConfigJson.MAPPER.readTree(value);
    } catch (java.io.IOException e) {
      throw new ConfigException("the record is not JSON");
    }
    require(record != null && record.isObject(), "the record is not a JSON object");
    List<RemoteFacts.RemotePort> ports = new ArrayList<>();
    JsonNode portsNode = record.path("ports");
    require(portsNode.isMissingNode() || portsNode.isArray(), "'ports' is not a list of ports");
    require(
        portsNode.size() <= ConfigLimits.MAX_PORTS,
        "more than " + ConfigLimits.MAX_PORTS + " ports");
    Set<String> names = new HashSet<>();
    for (JsonNode p : portsNode) {
      String name = text(p, "name");
      require(name != null && Names.isValid(name), "a port without a valid name");
      require(names.add(name), "port '" + name + "' is listed twice");
      String where = "port '" + name + "'";
      String group = text(p, "port-group");
      require(group == null || Names.isValid(group), where + ": port-group is not a valid name");
      List<String> tags = strings(p.path("tags"), ConfigLimits.MAX_PORT_TAGS, where + ": tags");
      for (String tag : tags) {
        require(Names.isValid(tag), where + ": tag " + Names.quote(tag) + " is not a valid name");
      }
      List<String> given =
          strings(p.path("addresses"), ConfigLimits.MAX_PORT_ADDRESSES, where + ": addresses");
      Set<String> addresses = new java.util.LinkedHashSet<>();
      for (String a : given) {
        addresses.add(SecurityGroups.canonical(a, where + ": address"));
      }
      ports.add(
          new RemoteFacts.RemotePort(
              host, name, group, List.copyOf(new TreeSet<>(tags)), List.copyOf(addresses)));
    }
    RemoteFacts.RemoteVtep vtep = null;
    String address = text(record, "vtep");
    if (address != null) {
      int ip = ConfigValidator.ipv4(address, "vtep");
      require(ip != 0 && (ip >>> 28) != 0xE && ip != -1, "vtep " + address + " is no unicast");
      List<Integer> vnis = vnis(record.path("vnis"), "vnis");
      // Absent: a host with no Geneve segment, or one that knows no Geneve.
      JsonNode geneveNode = record.path(GENEVE_VNIS);
      List<Integer> geneve = geneveNode.isMissingNode() ? List.of() : vnis(geneveNode, GENEVE_VNIS);
      require(
          vnis.size() + geneve.size() <= MAX_VNIS,
          "more than " + MAX_VNIS + " VNIs ('vnis' and '" + GENEVE_VNIS + "' together)");
      vtep = new RemoteFacts.RemoteVtep(host, ip, vnis, geneve);
    }
    allPorts.addAll(ports);
    if (vtep != null) {
      allVteps.add(vtep);
    }
  }

  /** A record's list of VNIs ({@code field}): ascending, each once. */
  private static List<Integer> vnis(JsonNode node, String field) {
    require(node.isArray(), "'" + field + "' is not a list of VNIs");
    require(node.size() <= MAX_VNIS, "'" + field + "': more than " + MAX_VNIS + " VNIs");
    TreeSet<Integer> vnis = new TreeSet<>();
    for (JsonNode v : node) {
      require(
          v.isInt() && v.asInt() >= 1 && v.asInt() <= 0xFF_FFFF,
          "'" + field + "': VNI " + Names.quote(v.toString()) + " is not 1..16777215");
      vnis.add(v.asInt());
    }
    return List.copyOf(vnis);
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.path(field);
    if (v.isMissingNode() || v.isNull()) {
      return null;
    }
    require(v.isTextual(), "'" + field + "' is not text");
    return v.asText();
  }

  private static List<String> strings(JsonNode node, int max, String what) {
    if (node.isMissingNode() || node.isNull()) {
      return List.of();
    }
    require(node.isArray(), what + " is not a list");
    require(node.size() <= max, what + ": more than " + max);
    List<String> out = new ArrayList<>();
    for (JsonNode n : node) {
      require(n.isTextual(), what + ": " + Names.quote(n.toString()) + " is not text");
      out.add(n.asText());
    }
    return out;
  }

  private void complain(String host, String value, String why) {
    if (value != null && value.equals(complained.get(host))) {
      return;
    }
    complained.put(host, value);
    String said = String.valueOf(why).replaceAll("[\\p{Cntrl}\\p{Zl}\\p{Zp}]", "?");
    say(
        "vswitch: warning: etcd: ignoring host %s's record: %s",
        Names.quote(host), said.length() > 300 ? said.substring(0, 300) + "..." : said);
  }

  private static String hostsOf(RemoteFacts facts) {
    Set<String> hosts = new TreeSet<>();
    facts.ports().forEach(p -> hosts.add(p.host()));
    facts.vteps().forEach(v -> hosts.add(v.host()));
    return hosts.isEmpty() ? "none" : String.join(", ", hosts);
  }

  private static String hostsChanged(RemoteFacts before, RemoteFacts after) {
    Map<String, List<Object>> a = byHost(before);
    Map<String, List<Object>> b = byHost(after);
    List<String> out = new ArrayList<>();
    for (String h : new TreeSet<>(b.keySet())) {
      if (!a.containsKey(h)) {
        out.add(h + " appeared");
      } else if (!a.get(h).equals(b.get(h))) {
        out.add(h + " changed");
      }
    }
    for (String h : new TreeSet<>(a.keySet())) {
      if (!b.containsKey(h)) {
        out.add(h + " left");
      }
    }
    return out.isEmpty() ? "no host changed" : String.join(", ", out);
  }

  private static Map<String, List<Object>> byHost(RemoteFacts facts) {
    Map<String, List<Object>> m = new HashMap<>();
    facts.ports().forEach(p -> m.computeIfAbsent(p.host(), k -> new ArrayList<>()).add(p));
    facts.vteps().forEach(v -> m.computeIfAbsent(v.host(), k -> new ArrayList<>()).add(v));
    return m;
  }

  private void say(String format, Object... args) {
    log.println(String.format(format, args));
    log.flush();
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new ConfigException(message);
    }
  }
}
