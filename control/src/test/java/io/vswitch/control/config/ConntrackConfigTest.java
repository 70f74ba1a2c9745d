package io.vswitch.control.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.dataplane.acl.Acl;
import io.vswitch.dataplane.conntrack.ConntrackTable;
import io.vswitch.dataplane.conntrack.CtTimeouts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The conntrack section and ct-state rules: the stateful pattern in one short ACL compiles to rules
 * that match on the state; bad states, sizes, limits and timeouts are refused with one line, and so
 * is a ct-state rule on a switch whose conntrack is disabled.
 */
class ConntrackConfigTest {
  private static final String STATEFUL =
      """
      acls:
        - name: db-in
          default: deny
          rules:
            - {priority: 10, action: allow, ct-state: [established, related]}
            - {priority: 20, action: allow, ct-state: [new], protocol: tcp, dst-port: 5432,
               src-ip: 10.0.1.0/24}
            - {priority: 30, action: allow, ether-type: arp}
      port-groups:
        - name: db
          vlan: {mode: access, id: 10}
          acl: {ingress: db-in}
      ports:
        - {name: a, devargs: net_null0, port-group: db}
      """;

  private static SwitchConfig valid(String yaml) {
    return ConfigValidator.validate(ConfigLoader.parse(yaml, "test.yaml"));
  }

  private static String refused(String yaml) {
    ConfigException e = assertThrows(ConfigException.class, () -> valid(yaml));
    assertEquals(-1, e.getMessage().indexOf('\n'), "one line: " + e.getMessage());
    return e.getMessage();
  }

  @Test
  void theStatefulPatternIsOneShortAclAndTheTableTakesTheConfiguredSettings() {
    SwitchConfig config =
        valid(
            STATEFUL
                + """
                conntrack:
                  capacity: 4096
                  embryonic: 1024
                  timeouts: {tcp-established: 3600, udp-replied: 60}
                  limits: {zone: 1000, port: 100}
                """);
    assertTrue(config.usesCtState());
    Acl acl = AclRules.compile(config.acls().getFirst(), 1);
    assertTrue(acl.usesCtState());
    assertTrue(acl.rules().get(0).usesCtState());
    assertFalse(acl.rules().get(2).usesCtState());
    try (ConntrackTable table = ConntrackSpecs.table(config.conntrack())) {
      assertEquals(4096, table.capacity());
      assertEquals(1024, table.embryonicLimit());
      CtTimeouts t = table.timeouts();
      assertEquals(3600, t.established());
      assertEquals(60, t.udpReplied());
      assertEquals(CtTimeouts.DEFAULTS.synSent(), t.synSent(), "left out: the default");
    }
  }

  @Test
  void leftOutTheTableIsAMillionConnectionsWithAQuarterEmbryonic() {
    SwitchConfig config = valid(STATEFUL);
    assertTrue(config.conntrack().enabled());
    assertEquals(1 << 20, config.conntrack().capacity());
    assertEquals(1 << 18, config.conntrack().embryonic());
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{capacity: 8} | conntrack.capacity must be in 16..",
        "{capacity: 100000000} | conntrack.capacity must be in 16..",
        "{capacity: 1024, embryonic: 2048} | conntrack.embryonic must be in 1..",
        "{limits: {zone: 0}} | conntrack.limits.zone must be at least 1",
        "{limits: {port: -1}} | conntrack.limits.port must be at least 1",
        "{timeouts: {tcp-established: 0}} | every timeout must be 1 s .. 30 days",
        "{timeouts: {bogus: 5}} | bogus",
      })
  void badConntrackSettingsAreRefused(String section, String message) {
    String error = refused(STATEFUL + "conntrack: " + section + "\n");
    assertTrue(error.contains(message), error);
  }

  @Test
  void anUnknownStateIsRefusedNamingTheRule() {
    String error = refused(STATEFUL.replace("[established, related]", "[established, open]"));
    assertTrue(error.startsWith("acl 'db-in' rule 10"), error);
    assertTrue(error.contains("ct-state 'open' is not one of"), error);
    error = refused(STATEFUL.replace("[established, related]", "[]"));
    assertTrue(error.contains("ct-state needs at least one of"), error);
  }

  @Test
  void aCtStateRuleOnASwitchWithConntrackDisabledIsRefused() {
    String error = refused(STATEFUL + "conntrack: {enabled: false}\n");
    assertEquals("port 'a': acl 'db-in' has ct-state rules, but conntrack.enabled is false", error);
    SwitchConfig stateless =
        valid(
            STATEFUL
                    .replace(", ct-state: [established, related]", "")
                    .replace(", ct-state: [new]", "")
                + "conntrack: {enabled: false}\n");
    assertFalse(stateless.usesCtState());
  }
}
