package io.vswitch.control.plane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.config.ConfigException;
import io.vswitch.control.config.ConfigLoader;
import io.vswitch.control.config.SwitchConfig;
import org.junit.jupiter.api.Test;

/** The audit log says which port, rule or setting a change touched, not just "apply config". */
class ChangeDescriberTest {
  private static SwitchConfig config(String yaml) {
    return ConfigLoader.parse(yaml, "test");
  }

  private static final SwitchConfig BEFORE =
      config(
          """
          port-groups: [{name: web}, {name: db}]
          ports:
            - {name: vm3, devargs: "net_null0", port-group: web}
            - {name: vm4, devargs: "net_null1", port-group: web}
          acls: [{name: web-in, default: allow, rules: [{priority: 5, action: allow}]}]
          fdb: {aging-seconds: 300}
          """);

  @Test
  void eachPortRuleAndSettingIsNamed() {
    SwitchConfig after =
        config(
            """
            port-groups: [{name: web}, {name: db}]
            ports:
              - {name: vm4, devargs: "net_null1", port-group: web}
              - {name: vm3, devargs: "net_null0", port-group: db}
              - {name: vm5, devargs: "net_null2"}
            acls:
              - name: web-in
                default: allow
                rules:
                  - {priority: 10, action: deny, protocol: tcp, dst-port: "80"}
                  - {priority: 5, action: deny}
            fdb: {aging-seconds: 60}
            """);
    String text = ChangeDescriber.describe(BEFORE, after);
    assertTrue(text.contains("port vm3: port-group web -> db"), text);
    assertTrue(text.contains("add port vm5"), text);
    assertTrue(text.contains("add acl rule 10 to web-in: deny tcp dst-port 80"), text);
    assertTrue(text.contains("acl web-in rule 5: action allow -> deny"), text);
    assertTrue(text.contains("fdb.aging-seconds 300 -> 60"), text);
    assertTrue(!text.contains("vm4"), "a reordered, unchanged port is no change: " + text);
    assertEquals("no change", ChangeDescriber.describe(BEFORE, BEFORE));
  }

  @Test
  void singleEditsSayWhatTheyDid() {
    var added = ConfigEdits.withAclRule(BEFORE, "web-in", "{\"priority\":10,\"action\":\"deny\"}");
    assertEquals("add acl rule 10 to web-in: deny", added.description());
    var removed = ConfigEdits.withoutAclRule(added.config(), "web-in", 5);
    assertEquals("delete acl rule 5 from web-in: allow", removed.description());
    var qos = ConfigEdits.withQos(BEFORE, "web", "{\"mark\":{\"dscp\":46}}");
    assertEquals("port-group web: qos none -> {\"mark\":{\"dscp\":46}}", qos.description());
    var twice =
        assertThrows(
            ConfigException.class,
            () ->
                ConfigEdits.withAclRule(BEFORE, "web-in", "{\"priority\":5,\"action\":\"deny\"}"));
    assertTrue(twice.getMessage().contains("already has a rule with priority 5"));
    assertThrows(ConfigException.class, () -> ConfigEdits.withAclRule(BEFORE, "x", "[1]"));
    assertThrows(ConfigException.class, () -> ConfigEdits.withAclRule(BEFORE, "x", "{oops"));
    assertThrows(ConfigException.class, () -> ConfigEdits.withoutAclRule(BEFORE, "nosuch", 1));
    assertThrows(ConfigException.class, () -> ConfigEdits.withQos(BEFORE, "nosuch", null));
  }
}
