package io.vswitch.control.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.config.ConfigException;
import io.vswitch.control.config.ConfigValidator;
import io.vswitch.control.config.SwitchConfig;
import io.vswitch.control.plane.ConfigJson;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The split of a config into what the distributed switch shares and what each host keeps. */
class SharedConfigTest {
  private static final SwitchConfig LOCAL =
      ConfigJson.read(
          """
          workers: {cores: [3]}
          port-groups: [{name: web, vlan: {mode: access, id: 10}}]
          acls: [{name: old, default: deny}]
          ports:
            - {name: a, devargs: "net_null_x", port-group: web}
            - {name: b, devargs: "net_null_y"}
          fdb: {aging-seconds: 60}
          """,
          "local");

  @Test
  void mergeReplacesOnlyTheSharedSections() {
    SwitchConfig merged =
        SharedConfig.merge(
            LOCAL,
            "{\"port-groups\":[{\"name\":\"web\",\"vlan\":{\"mode\":\"access\",\"id\":20}}]}",
            "doc");
    assertEquals(20, merged.portGroups().get(0).vlan().id());
    assertEquals(List.of(), merged.acls(), "a section the document leaves out is empty");
    assertEquals(LOCAL.ports(), merged.ports());
    assertEquals(LOCAL.workers(), merged.workers());
    assertEquals(LOCAL.fdb(), merged.fdb());
    assertEquals(List.of("port-groups", "acls"), SharedConfig.differing(LOCAL, merged));
    assertTrue(
        SharedConfig.sameShared(
            merged, SharedConfig.merge(merged, SharedConfig.extract(merged), "again")));
  }

  @Test
  void extractIsTheSharedDocumentAndRoundTrips() {
    String doc = SharedConfig.extract(LOCAL);
    assertTrue(doc.contains("\"port-groups\"") && doc.contains("\"acls\""), doc);
    assertTrue(!doc.contains("ports\":[{") && !doc.contains("workers"), doc);
    assertEquals(LOCAL, SharedConfig.merge(LOCAL, doc, "round trip"));
  }

  @Test
  void hostLocalSectionsMalformedAndInvalidDocumentsAreRefused() {
    for (String bad :
        List.of(
            "{\"ports\":[]}",
            "workers: {cores: [1]}",
            "{\"port-groups\":[{\"name\":\"web\",\"vlan\":{\"mode\":\"sideways\"}}]}",
            "acls: [{name: x, default: maybe}]",
            "acls: []\nacls: []\n",
            "{\"acls\": [",
            "[1, 2]",
            "port-groups: [{name: g, acl: {ingress: missing}}]",
            "{\"port-groups\":[{\"name\":\"bad name!\"}]}",
            "{\"nonsense\":1}")) {
      assertThrows(ConfigException.class, () -> SharedConfig.validate(bad, "doc"), bad);
    }
  }

  @Test
  void theEtcdSectionIsHostLocalAndChecked() {
    String ports = "ports: [{name: a, devargs: net_null_x}, {name: b, devargs: net_null_y}]\n";
    SwitchConfig ok =
        ConfigValidator.validate(
            ConfigJson.read(
                ports + "etcd: {endpoints: [\"http://127.0.0.1:2379\"], switch: dvs1, host: h1}",
                "ok"),
            name -> false);
    assertEquals("dvs1", ok.etcd().switchName());
    assertTrue(!SharedConfig.extract(ok).contains("etcd"), "not shared");
    for (String bad :
        List.of(
            "etcd: {endpoints: [], switch: dvs1}",
            "etcd: {endpoints: [\"https://x:1\"], switch: dvs1}",
            "etcd: {endpoints: [\"http://x\"], switch: dvs1}",
            "etcd: {endpoints: [\"http://x:1\"]}",
            "etcd: {endpoints: [\"http://x:1\"], switch: \"a/b\"}",
            "etcd: {endpoints: [\"http://x:1\"], switch: s, host: \"..\"}",
            "etcd: {endpoints: [\"http://x:1\"], switch: s, lease-ttl: 1}",
            "etcd: {endpoints: [\"http://x:1\"], switch: s, bogus: 1}")) {
      assertThrows(
          ConfigException.class,
          () -> ConfigValidator.validate(ConfigJson.read(ports + bad, "bad"), name -> false),
          bad);
    }
    assertThrows(
        ConfigException.class,
        () -> SharedConfig.validate("etcd: {endpoints: [\"http://x:1\"], switch: s}", "doc"));
  }

  @Test
  void aValidDocumentIsCanonicalised() {
    String canonical =
        SharedConfig.validate(
            "port-groups: [{name: web, acl: {ingress: in}}]\n"
                + "acls: [{name: in, default: allow, rules: [{priority: 1, action: deny,"
                + " protocol: icmp}]}]\n",
            "doc");
    assertEquals(canonical, SharedConfig.validate(canonical, "again"), "canonical is a fixpoint");
    assertTrue(canonical.startsWith("{\"port-groups\""), canonical);
  }

  /** A host with a VTEP and no segments of its own, as a distributed switch's hosts are. */
  private static final SwitchConfig VTEP_HOST =
      ConfigJson.read(
          """
          port-groups:
            - {name: ta, vlan: {mode: access, id: 10}}
            - {name: tb, vlan: {mode: access, id: 20}}
            - {name: underlay, vlan: {mode: access, id: 1}}
          ports:
            - {name: vm, devargs: "net_null_s1", port-group: ta}
            - {name: up, devargs: "net_null_s2", port-group: underlay}
          overlay:
            vtep: {port: up, address: 192.0.2.1/24}
            udp-port: 4790
          """,
          "host");

  private static final String GROUPS =
      "port-groups: [{name: ta, vlan: {mode: access, id: 10}},"
          + " {name: tb, vlan: {mode: access, id: 20}},"
          + " {name: underlay, vlan: {mode: access, id: 1}}]\n";

  @Test
  void sharedSegmentsGoIntoTheHostsOverlayWithoutItsOwnVtep() {
    String doc =
        GROUPS
            + "overlay:\n  segments:\n"
            + "    - {name: a, vni: 5001, port-groups: [ta], remote-vteps: [192.0.2.1, 192.0.2.2]}\n"
            + "    - {name: b, vni: 5002, port-groups: [tb]}\n";
    SwitchConfig merged = ConfigValidator.validate(SharedConfig.merge(VTEP_HOST, doc, "doc"));
    assertEquals(2, merged.overlay().segments().size());
    assertEquals(
        List.of("192.0.2.2"),
        merged.overlay().segments().get(0).remoteVteps(),
        "this host's own VTEP left out");
    assertEquals(VTEP_HOST.overlay().vtep(), merged.overlay().vtep(), "the VTEP is the host's");
    assertEquals(4790, merged.overlay().udpPort(), "and so is its UDP port");
    assertEquals(List.of("overlay.segments"), SharedConfig.differing(VTEP_HOST, merged));
    assertTrue(SharedConfig.extract(merged).contains("\"overlay\":{\"segments\":["));
    assertTrue(!SharedConfig.extract(merged).contains("\"vtep\""), "the VTEP is not shared");
    // A document without segments leaves every host with none, as for the other sections.
    SwitchConfig none = SharedConfig.merge(merged, GROUPS, "none");
    assertEquals(List.of(), none.overlay().segments());
    assertEquals(VTEP_HOST.overlay().vtep(), none.overlay().vtep());
    assertEquals(List.of(), SharedConfig.differing(VTEP_HOST, none), "[] and absent are one");
  }

  @Test
  void aSegmentsEncapsulationIsSharedAndTheGenevePortStaysTheHosts() {
    String doc =
        GROUPS
            + "overlay:\n  segments:\n"
            + "    - {name: a, vni: 5001, port-groups: [ta], remote-vteps: [192.0.2.2]}\n"
            + "    - {name: g, vni: 5001, encapsulation: geneve, port-groups: [tb],"
            + " remote-vteps: [192.0.2.1, 192.0.2.2]}\n";
    String canonical = SharedConfig.validate(doc, "doc");
    assertTrue(canonical.contains("\"encapsulation\":\"geneve\""), canonical);
    SwitchConfig merged = ConfigValidator.validate(SharedConfig.merge(VTEP_HOST, canonical, "doc"));
    assertEquals("vxlan", merged.overlay().segments().get(0).encapsulation());
    assertEquals("geneve", merged.overlay().segments().get(1).encapsulation());
    assertEquals(List.of("192.0.2.2"), merged.overlay().segments().get(1).remoteVteps());
    assertEquals(6081, merged.overlay().genevePort(), "the host's (its default)");
    assertTrue(
        SharedConfig.sameShared(
            merged, SharedConfig.merge(merged, SharedConfig.extract(merged), "again")));
    for (String bad :
        List.of(
            doc.replace("encapsulation: geneve", "encapsulation: gre"),
            doc.replace("{name: a, vni: 5001,", "{name: a, vni: 5001, encapsulation: geneve,"),
            doc.replace("overlay:\n", "overlay:\n  geneve-port: 6082\n"))) {
      assertThrows(ConfigException.class, () -> SharedConfig.validate(bad, "doc"), bad);
    }
  }

  @Test
  void aHostWithoutAVtepRefusesSegmentsButTakesTheRest() {
    String withSegments = GROUPS + "overlay: {segments: [{name: a, vni: 1, port-groups: [ta]}]}\n";
    ConfigException e =
        assertThrows(ConfigException.class, () -> SharedConfig.merge(LOCAL, withSegments, "rev 7"));
    assertTrue(e.getMessage().contains("no overlay.vtep"), e.getMessage());
    assertEquals(-1, e.getMessage().indexOf('\n'));
    assertEquals(null, SharedConfig.merge(LOCAL, GROUPS, "rev 8").overlay(), "no overlay made");
  }

  @Test
  void segmentDocumentsEveryHostWouldRefuseAreRefusedBeforeTheyAreWritten() {
    String ok = GROUPS + "overlay: {segments: [{name: a, vni: 5001, port-groups: [ta]}]}\n";
    String canonical = SharedConfig.validate(ok, "doc");
    assertEquals(canonical, SharedConfig.validate(canonical, "again"));
    assertTrue(canonical.contains("\"vni\":5001") && !canonical.contains("validate-"), canonical);
    // remote-vteps are kept whole in the document (each host leaves out its own).
    String listed =
        SharedConfig.validate(
            ok.replace("port-groups: [ta]}", "port-groups: [ta], remote-vteps: [10.9.9.9]}"), "l");
    assertTrue(listed.contains("10.9.9.9"), listed);
    for (String bad :
        List.of(
            ok.replace("vni: 5001", "vni: 0"),
            ok.replace("vni: 5001", "vni: 16777216"),
            ok.replace("vni: 5001", "vni: \"x\""),
            ok.replace("[ta]", "[nope]"),
            ok.replace("[ta]", "[]"),
            ok.replace("}]}", "}, {name: b, vni: 5001, port-groups: [tb]}]}"),
            ok.replace("}]}", "}, {name: b, vni: 5002, port-groups: [ta]}]}"),
            ok.replace("}]}", "}, {name: a, vni: 5002, port-groups: [tb]}]}"),
            ok.replace("[ta]", "[ta, tb]"),
            ok.replace("[ta]", "[underlay]"),
            ok.replace("[ta]}", "[ta], remote-vteps: [192.0.2.300]}"),
            ok.replace("[ta]}", "[ta], remote-vteps: [10.0.0.2, 10.0.0.2]}"),
            ok.replace("overlay: {segments:", "overlay: {udp-port: 4790, segments:"),
            ok.replace(
                "overlay: {segments:",
                "overlay: {vtep: {port: up, address: 1.2.3.4/24}," + " segments:"),
            ok.replace("name: a,", "name: \"a b\","),
            ok.replace("vni: 5001,", "vni: 5001, vnii: 3,"))) {
      ConfigException e =
          assertThrows(ConfigException.class, () -> SharedConfig.validate(bad, "doc"), bad);
      assertEquals(-1, e.getMessage().indexOf('\n'), e.getMessage());
    }
    assertTrue(
        assertThrows(
                ConfigException.class,
                () -> SharedConfig.validate(ok.replace("overlay: {", "overlay: {ttl: 9, "), "d"))
            .getMessage()
            .contains("'overlay.ttl' is host-local"));
  }
}
