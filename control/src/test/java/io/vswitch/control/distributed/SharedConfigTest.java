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
}
