package io.vswitch.control.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vswitch.control.L2Compiler;
import io.vswitch.control.config.ConfigException;
import io.vswitch.control.config.ConfigLoader;
import io.vswitch.control.config.ConfigValidator;
import io.vswitch.control.config.OverlaySpecs;
import io.vswitch.control.config.RemoteFacts;
import io.vswitch.control.config.SecurityGroups;
import io.vswitch.control.config.SwitchConfig;
import io.vswitch.control.plane.ConfigJson;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Host records as another host reads them: checked and bounded, a bad one left out (and logged
 * once) without costing the good ones; the facts made of them join security groups and make tunnel
 * ports, and a remote change rebuilds only the ACLs naming a changed group.
 */
class RemoteHostsTest {
  private static final String CONFIG =
      """
      workers: {cores: [0]}
      port-groups:
        - {name: web, vlan: {mode: access, id: 100}, acl: {ingress: to-db}}
        - {name: dbg, vlan: {mode: access, id: 100}, acl: {ingress: to-app}}
        - {name: underlay, vlan: {mode: access, id: 1}}
      security-groups:
        - {name: web, tags: [web]}
        - {name: db, tags: [db]}
        - {name: app, port-groups: [dbg]}
      acls:
        - name: to-db
          default: deny
          rules: [{priority: 20, action: allow, src-group: web, dst-group: db, protocol: tcp, dst-port: 5432}]
        - name: to-app
          default: deny
          rules: [{priority: 20, action: allow, dst-group: app}]
      ports:
        - {name: vm, devargs: net_null_rh0, port-group: web, tags: [web], addresses: [10.61.0.1]}
        - {name: up, devargs: net_null_rh1, port-group: underlay}
      overlay:
        vtep: {port: up, address: 192.0.2.31/24}
        segments:
          - {name: blue, vni: 5101, port-groups: [web, dbg], remote-vteps: [192.0.2.40]}
      """;

  private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
  private final RemoteHosts hosts =
      new RemoteHosts("hostA", new PrintStream(logged, true, StandardCharsets.UTF_8));

  private static SwitchConfig config() {
    return ConfigValidator.validate(ConfigLoader.parse(CONFIG, "test.yaml"));
  }

  private static String record(String vtep, String ports) {
    return "{\"host\":\"x\",\"vtep\":\"" + vtep + "\",\"vnis\":[5101,7],\"ports\":" + ports + "}";
  }

  /** A record whose VXLAN list and port are good and whose {@code geneve-vnis} is {@code list}. */
  private static String geneve(String list) {
    return "{\"vtep\":\"192.0.2.36\",\"vnis\":[5101],\"geneve-vnis\":"
        + list
        + ",\"ports\":"
        + DB_PORT
        + "}";
  }

  /** [from, from+1, ..., to-1] as JSON. */
  private static String range(int from, int to) {
    StringBuilder out = new StringBuilder("[");
    for (int v = from; v < to; v++) {
      out.append(v == from ? "" : ",").append(v);
    }
    return out.append(']').toString();
  }

  private static final String DB_PORT =
      "[{\"name\":\"vm\",\"port-group\":\"dbg\",\"tags\":[\"db\"],\"addresses\":[\"10.61.0.2\"]}]";

  @Test
  void aGoodRecordGivesPortsAndVtepAndItsOwnIsLeftOut() {
    Map<String, String> records = new LinkedHashMap<>();
    records.put("hostB", record("192.0.2.32", DB_PORT));
    records.put("hostA", record("192.0.2.31", "[]"));
    RemoteFacts facts = hosts.read(records);
    assertEquals(1, facts.ports().size());
    RemoteFacts.RemotePort p = facts.ports().getFirst();
    assertEquals("hostB", p.host());
    assertEquals(List.of("10.61.0.2/32"), p.addresses());
    assertEquals(List.of(7, 5101), facts.vteps().getFirst().vnis());
    assertEquals(facts, hosts.read(records), "the same records are equal facts");
  }

  @Test
  void hostileRecordsAreLeftOutAloneAndLoggedOnce() {
    StringBuilder many = new StringBuilder("[{\"name\":\"x\",\"addresses\":[");
    for (int i = 0; i < 17; i++) {
      many.append(i == 0 ? "" : ",").append("\"10.9.0.").append(i).append('"');
    }
    many.append("]}]");
    Map<String, String> records = new LinkedHashMap<>();
    records.put("garbage", "{\"ports\": [");
    records.put("array", "[1,2]");
    records.put("many", record("192.0.2.33", many.toString()));
    records.put(
        "newline", record("192.0.2.34", "[{\"name\":\"x\",\"addresses\":[\"10.0.0.1\\n\"]}]"));
    records.put(
        "hostbits", record("192.0.2.35", "[{\"name\":\"x\",\"addresses\":[\"10.0.0.1/8\"]}]"));
    records.put("badvtep", record("192.0.2.300", "[]"));
    records.put("multicast", record("224.0.0.5", "[]"));
    records.put("badvni", "{\"vtep\":\"192.0.2.36\",\"vnis\":[16777216]}");
    records.put("strvni", "{\"vtep\":\"192.0.2.36\",\"vnis\":[\"5101\"]}");
    // A forged Geneve list costs the whole record, its good VXLAN list and ports too.
    records.put("genevetext", geneve("\"5101\""));
    records.put("genevezero", geneve("[0]"));
    records.put("genevebig", geneve("[16777216]"));
    records.put("genevestr", geneve("[\"5101\"]"));
    records.put("genevefloat", geneve("[5101.5]"));
    records.put("genevenull", geneve("null"));
    records.put("geneveobj", geneve("{\"5101\":1}"));
    records.put("genevemany", geneve(range(1, RemoteHosts.MAX_VNIS + 1)));
    records.put( // each list within the bound, both together over it
        "bothmany",
        "{\"vtep\":\"192.0.2.36\",\"vnis\":"
            + range(1, RemoteHosts.MAX_VNIS / 2 + 1)
            + ",\"geneve-vnis\":"
            + range(1, RemoteHosts.MAX_VNIS / 2 + 2)
            + "}");
    records.put("badtag", record("192.0.2.37", "[{\"name\":\"x\",\"tags\":[\"a b\"]}]"));
    records.put("twice", record("192.0.2.38", "[{\"name\":\"x\"},{\"name\":\"x\"}]"));
    records.put("typed", "{\"ports\":{\"name\":\"x\"}}");
    records.put("bad/name", record("192.0.2.39", "[]"));
    records.put("huge", "{\"x\":\"" + "a".repeat(RemoteHosts.MAX_RECORD_BYTES) + "\"}");
    records.put("hostB", record("192.0.2.32", DB_PORT));
    RemoteFacts facts = hosts.read(records);
    assertEquals(1, facts.ports().size(), facts.toString());
    assertEquals(1, facts.vteps().size(), facts.toString());
    assertEquals("hostB", facts.vteps().getFirst().host());
    String log = logged.toString(StandardCharsets.UTF_8);
    assertEquals(records.size() - 1, log.lines().count(), log);
    assertTrue(log.lines().allMatch(l -> l.contains("ignoring host")), log);
    assertTrue(log.contains("10.0.0.1\\n"), "the newline is not written raw: " + log);
    hosts.read(records);
    assertEquals(records.size() - 1, logged.toString(StandardCharsets.UTF_8).lines().count());
  }

  @Test
  void tooManyHostsAreCutAtTheBound() {
    Map<String, String> records = new LinkedHashMap<>();
    for (int i = 0; i < RemoteHosts.MAX_HOSTS + 5; i++) {
      records.put(String.format("h%03d", i), "{\"ports\":[{\"name\":\"p\"}]}");
    }
    assertEquals(RemoteHosts.MAX_HOSTS, hosts.read(records).ports().size());
  }

  @Test
  void remotePortsJoinGroupsByTagAndPortGroup() {
    SwitchConfig config = config();
    RemoteFacts facts = hosts.read(Map.of("hostB", record("192.0.2.32", DB_PORT)));
    SecurityGroups groups = SecurityGroups.resolve(config, facts);
    assertEquals(List.of("hostB/vm"), groups.members("db"));
    assertEquals(List.of("hostB/vm"), groups.members("app"), "by its port group");
    assertEquals(List.of("vm"), groups.members("web"));
    assertEquals(List.of(), SecurityGroups.resolve(config).members("db"));
  }

  @Test
  void aRemoteTagChangeRebuildsOnlyTheAclsNamingTheChangedGroup() {
    SwitchConfig config = config();
    Map<String, Integer> slots = Map.of("vm", 0, "up", 1);
    RemoteFacts tagged = hosts.read(Map.of("hostB", record("192.0.2.32", DB_PORT)));
    var first = L2Compiler.compile(config, tagged, slots, 8);
    // The tag goes, the port group stays: to-db (db) is rebuilt, to-app (app) is not.
    RemoteFacts untagged =
        hosts.read(Map.of("hostB", record("192.0.2.32", DB_PORT.replace("\"db\"", "\"x\""))));
    var second = L2Compiler.compile(config, untagged, slots, 8);
    assertNotSame(first.port(0).ingressAcl(), second.port(0).ingressAcl());
    assertEquals(1, first.port(0).ingressAcl().rules().size());
    assertEquals(0, second.port(0).ingressAcl().rules().size(), "no db member, no rule");
    var app = L2Compiler.compile(config, untagged, Map.of("vm", 0, "up", 1), 8);
    assertSame(second.port(0).ingressAcl(), app.port(0).ingressAcl());
  }

  @Test
  void discoveredVtepsServingASegmentsVniBecomeTunnelsBesideTheListedOnes() {
    SwitchConfig config = config();
    Map<String, String> records = new LinkedHashMap<>();
    records.put("hostB", record("192.0.2.32", "[]"));
    records.put("hostC", "{\"vtep\":\"192.0.2.33\",\"vnis\":[9]}"); // not our VNI
    records.put("hostD", record("192.0.2.40", "[]")); // listed already
    records.put("hostE", record("192.0.2.31", "[]")); // claims our own VTEP
    records.put("hostF", record("198.51.100.1", "[]")); // off-subnet, no gateway
    List<OverlaySpecs.Tunnel> tunnels = OverlaySpecs.tunnels(config, hosts.read(records));
    assertEquals(
        List.of("vxlan.blue.192.0.2.40", "vxlan.blue.192.0.2.32"),
        tunnels.stream().map(OverlaySpecs.Tunnel::name).toList());
    assertTrue(OverlaySpecs.isDiscovered(config, tunnels.get(1)));
    assertEquals(
        tunnels.get(1).hop(),
        OverlaySpecs.tunnelOf(config.overlay(), "t", "vni=5101,segment=blue,remote=192.0.2.32")
            .hop(),
        "a tunnel opened live finds the same next hop");
  }

  /** CONFIG and a Geneve segment of blue's VNI (5101) and one of VNI 7, each on its own VLAN. */
  private static SwitchConfig withGeneve() {
    String doc =
        CONFIG
            .replace(
                "  - {name: underlay, vlan: {mode: access, id: 1}}\n",
                "  - {name: underlay, vlan: {mode: access, id: 1}}\n"
                    + "  - {name: gweb, vlan: {mode: access, id: 200}}\n"
                    + "  - {name: gsev, vlan: {mode: access, id: 300}}\n")
            .replace(
                "remote-vteps: [192.0.2.40]}\n",
                "remote-vteps: [192.0.2.40]}\n"
                    + "    - {name: gblue, vni: 5101, encapsulation: geneve, port-groups: [gweb]}\n"
                    + "    - {name: gsev, vni: 7, encapsulation: geneve, port-groups: [gsev]}\n");
    return ConfigValidator.validate(ConfigLoader.parse(doc, "test.yaml"));
  }

  @Test
  void aRecordsVxlanAndGeneveVnisAreReadApart() {
    Map<String, String> records = new LinkedHashMap<>();
    records.put("hostB", "{\"vtep\":\"192.0.2.32\",\"vnis\":[7],\"geneve-vnis\":[5101,9,5101]}");
    records.put("hostC", "{\"vtep\":\"192.0.2.33\",\"vnis\":[],\"geneve-vnis\":[]}");
    records.put("hostD", "{\"vtep\":\"192.0.2.34\",\"vnis\":[5101]}"); // knows no Geneve
    RemoteFacts facts = hosts.read(records);
    assertEquals(3, facts.vteps().size(), facts + logged.toString(StandardCharsets.UTF_8));
    RemoteFacts.RemoteVtep b = facts.vteps().get(0);
    assertEquals(List.of(7), b.vnis());
    assertEquals(List.of(9, 5101), b.geneveVnis(), "ascending, each once");
    assertTrue(b.serves(true, 5101) && !b.serves(false, 5101));
    assertTrue(b.serves(false, 7) && !b.serves(true, 7));
    assertEquals(List.of(), facts.vteps().get(1).geneveVnis());
    assertEquals(List.of(), facts.vteps().get(2).geneveVnis(), "absent: none");
    assertEquals(List.of(5101), facts.vteps().get(2).vnis());
    assertEquals("", logged.toString(StandardCharsets.UTF_8));
  }

  @Test
  void aDiscoveredVtepJoinsOnlyTheSegmentsOfItsEncapsulationAndVni() {
    SwitchConfig config = withGeneve();
    Map<String, String> records = new LinkedHashMap<>();
    records.put("hostB", "{\"vtep\":\"192.0.2.32\",\"vnis\":[5101]}"); // VXLAN only
    records.put("hostC", "{\"vtep\":\"192.0.2.33\",\"vnis\":[],\"geneve-vnis\":[5101]}");
    records.put( // both, and 7 as VXLAN: not gsev's (Geneve) 7
        "hostD", "{\"vtep\":\"192.0.2.34\",\"vnis\":[5101,7],\"geneve-vnis\":[5101]}");
    records.put("hostE", "{\"vtep\":\"192.0.2.35\",\"vnis\":[],\"geneve-vnis\":[7]}");
    List<OverlaySpecs.Tunnel> tunnels = OverlaySpecs.tunnels(config, hosts.read(records));
    assertEquals(
        List.of(
            "vxlan.blue.192.0.2.40", // listed
            "vxlan.blue.192.0.2.32",
            "vxlan.blue.192.0.2.34",
            "geneve.gblue.192.0.2.33",
            "geneve.gblue.192.0.2.34",
            "geneve.gsev.192.0.2.35"),
        tunnels.stream().map(OverlaySpecs.Tunnel::name).toList());
    for (OverlaySpecs.Tunnel t : tunnels) {
      assertEquals(t.name().startsWith("geneve."), t.geneve(), t.name());
    }
    // The same hosts, but C's Geneve VNI now served over VXLAN: C leaves gblue and joins blue.
    records.put("hostC", "{\"vtep\":\"192.0.2.33\",\"vnis\":[5101]}");
    assertEquals(
        List.of(
            "vxlan.blue.192.0.2.40",
            "vxlan.blue.192.0.2.32",
            "vxlan.blue.192.0.2.33",
            "vxlan.blue.192.0.2.34",
            "geneve.gblue.192.0.2.34",
            "geneve.gsev.192.0.2.35"),
        OverlaySpecs.tunnels(config, hosts.read(records)).stream()
            .map(OverlaySpecs.Tunnel::name)
            .toList());
  }

  @Test
  void thisHostsRecordListsItsGeneveVnisApartFromItsVxlanOnes() {
    ObjectNode record = ConfigJson.MAPPER.createObjectNode();
    record.putArray("ports");
    RemoteHosts.describe(withGeneve(), record);
    // A reader that knows only "vnis" (no Geneve) sees blue's VXLAN 5101 and nothing of gsev's 7.
    assertEquals("[5101]", record.path("vnis").toString(), record.toString());
    assertEquals("[7,5101]", record.path("geneve-vnis").toString(), record.toString());
    RemoteFacts.RemoteVtep back =
        new RemoteHosts("other", System.err)
            .read(Map.of("hostA", ConfigJson.write(record)))
            .vteps()
            .getFirst();
    assertEquals(List.of(5101), back.vnis());
    assertEquals(List.of(7, 5101), back.geneveVnis());
    // A host without a Geneve segment publishes no Geneve list: its record is as it always was.
    ObjectNode vxlanOnly = ConfigJson.MAPPER.createObjectNode();
    RemoteHosts.describe(config(), vxlanOnly);
    assertTrue(!vxlanOnly.has("geneve-vnis"), vxlanOnly.toString());
  }

  @Test
  void theOverlaysSegmentsAndItsVtepChangeLive() {
    SwitchConfig config = config();
    SwitchConfig more =
        ConfigValidator.validate(
            ConfigLoader.parse(
                CONFIG.replace("remote-vteps: [192.0.2.40]", "remote-vteps: [192.0.2.41]"), "t"));
    assertTrue(OverlaySpecs.sameAtRunTime(config, more));
    SwitchConfig vni =
        ConfigValidator.validate(ConfigLoader.parse(CONFIG.replace("5101", "5102"), "t"));
    assertTrue(OverlaySpecs.sameAtRunTime(config, vni), "a segment's VNI changes live");
    SwitchConfig vtep =
        ConfigValidator.validate(
            ConfigLoader.parse(CONFIG.replace("192.0.2.31/24", "192.0.2.39/24"), "t"));
    assertTrue(OverlaySpecs.sameAtRunTime(config, vtep), "the VTEP's address changes live too");
    assertTrue(OverlaySpecs.vtepChanged(config, vtep), "reopening every tunnel");
    assertTrue(!OverlaySpecs.vtepChanged(config, vni), "a VNI change is the segment's only");
  }

  @Test
  void thisHostsRecordCarriesTagsAddressesVtepAndVnis() {
    ObjectNode record = ConfigJson.MAPPER.createObjectNode();
    record.putArray("ports").addObject().put("name", "vm");
    RemoteHosts.describe(config(), record);
    assertEquals("192.0.2.31", record.path("vtep").asText());
    assertEquals(5101, record.path("vnis").get(0).asInt());
    assertEquals("web", record.path("ports").get(0).path("tags").get(0).asText());
    assertEquals("10.61.0.1", record.path("ports").get(0).path("addresses").get(0).asText());
    // and what it publishes reads back as it was
    RemoteFacts back =
        new RemoteHosts("other", System.err).read(Map.of("hostA", ConfigJson.write(record)));
    assertEquals(List.of("web"), back.ports().getFirst().tags());
  }

  @Test
  void factsThatMakeAnAclTooBigAreRefusedByValidation() {
    StringBuilder ports = new StringBuilder("[");
    for (int p = 0; p < 32; p++) {
      ports
          .append(p == 0 ? "" : ",")
          .append("{\"name\":\"p")
          .append(p)
          .append("\",\"tags\":[\"db\"],\"addresses\":[");
      for (int a = 0; a < 16; a++) {
        ports
            .append(a == 0 ? "" : ",")
            .append("\"10.")
            .append(p)
            .append('.')
            .append(a)
            .append(".1\"");
      }
      ports.append("]}");
    }
    ports.append("]");
    Map<String, String> records = new LinkedHashMap<>();
    for (int h = 0; h < 10; h++) { // distinct addresses on each host: (10+h).p.a.1
      records.put(
          "h" + h, "{\"ports\":" + ports.toString().replace("\"10.", "\"" + (10 + h) + ".") + "}");
    }
    RemoteFacts facts = hosts.read(records);
    assertEquals(320, facts.ports().size());
    ConfigException e =
        assertThrows(
            ConfigException.class, () -> ConfigValidator.validate(config(), name -> false, facts));
    assertTrue(e.getMessage().contains("rules"), e.getMessage());
  }
}
