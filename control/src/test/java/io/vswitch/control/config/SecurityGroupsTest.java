package io.vswitch.control.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.L2Compiler;
import io.vswitch.control.plane.ConfigEdits;
import io.vswitch.dataplane.acl.Acl;
import io.vswitch.dataplane.acl.AclFields;
import io.vswitch.dataplane.l2.L2Tables;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Security groups: the compile step (a group rule becomes ordinary prefix rules, one per address
 * pair of a family, all with its priority), dynamic membership (a tag changed, a port removed: the
 * ACL recompiles, a rule that stayed the same keeps its hit count), and each refusal in one line.
 */
class SecurityGroupsTest {
  /** The README's example: established/related, web -> db tcp 5432 new, the rest dropped. */
  static final String DFW =
      """
      port-groups:
        - {name: seg, vlan: {mode: access, id: 10}, acl: {ingress: dfw}}
      ports:
        - {name: web1, devargs: net_null0, port-group: seg, tags: [web],
           addresses: [10.0.1.1, "fd00::1"]}
        - {name: web2, devargs: net_null1, port-group: seg, tags: [web, app],
           addresses: [10.0.1.2, "fd00::2"]}
        - {name: db1, devargs: net_null2, port-group: seg, tags: [db],
           addresses: [10.0.2.1, "fd00::2:1"]}
      security-groups:
        - {name: web, tags: [web]}
        - {name: db, tags: [db]}
      acls:
        - name: dfw
          default: deny
          rules:
            - {priority: 10, action: allow, ct-state: [established, related]}
            - {priority: 20, action: allow, ct-state: [new], src-group: web, dst-group: db,
               protocol: tcp, dst-port: 5432}
            - {priority: 30, action: allow, ether-type: arp}
            - {priority: 40, action: allow, ct-state: [untracked]}
      """;

  private static SwitchConfig valid(String yaml) {
    return ConfigValidator.validate(ConfigLoader.parse(yaml, "test.yaml"));
  }

  private static String refused(String yaml) {
    ConfigException e = assertThrows(ConfigException.class, () -> valid(yaml));
    assertEquals(-1, e.getMessage().indexOf('\n'), "one line: " + e.getMessage());
    return e.getMessage();
  }

  private static Acl compile(SwitchConfig config) {
    return AclRules.compile(config.acls().getFirst(), 1, SecurityGroups.resolve(config));
  }

  /** The ACL keys of a TCP packet between two addresses, as AclKeys lays them out. */
  private static long[] tcp(String src, String dst, int dport) {
    long[] k = new long[AclFields.COUNT];
    put(k, AclFields.SRC_HI, src);
    put(k, AclFields.DST_HI, dst);
    k[AclFields.ETHER_TYPE] = src.contains(":") ? 0x86dd : 0x0800;
    k[AclFields.PROTOCOL] = AclFields.TCP;
    k[AclFields.SRC_PORT] = 40000;
    k[AclFields.DST_PORT] = dport;
    return k;
  }

  private static void put(long[] k, int at, String ip) {
    InetAddress a = InetAddress.ofLiteral(ip);
    if (a instanceof Inet4Address) {
      k[at] = AclFields.unsigned(0);
      k[at + 1] =
          AclFields.unsigned(
              AclFields.V4_MAPPED | (ByteBuffer.wrap(a.getAddress()).getInt() & 0xFFFF_FFFFL));
    } else {
      ByteBuffer b = ByteBuffer.wrap(a.getAddress());
      k[at] = AclFields.unsigned(b.getLong());
      k[at + 1] = AclFields.unsigned(b.getLong());
    }
  }

  /** The priority of the rule that decides the packet, or -1 for the default. */
  private static int decide(Acl acl, long[] keys, int state) {
    int rule = acl.tree().classify(keys, 0, state);
    return rule < 0 ? -1 : acl.rules().get(rule).priority();
  }

  @Test
  void aGroupRuleCompilesToOnePrefixRulePerAddressPairOfAFamily() {
    SwitchConfig config = valid(DFW);
    SecurityGroups groups = SecurityGroups.resolve(config);
    assertEquals(List.of("web1", "web2"), groups.members("web"));
    assertEquals(
        List.of("10.0.1.1/32", "fd00:0:0:0:0:0:0:1/128", "10.0.1.2/32", "fd00:0:0:0:0:0:0:2/128"),
        groups.prefixes("web"));
    Acl acl = compile(config);
    // 2 web x 1 db per family, IPv4 and IPv6; never an IPv4 source with an IPv6 destination
    assertEquals(3 + 4, acl.rules().size());
    assertEquals(4, acl.rules().stream().filter(r -> r.priority() == 20).count());

    assertEquals(20, decide(acl, tcp("10.0.1.1", "10.0.2.1", 5432), AclFields.CT_NEW));
    assertEquals(20, decide(acl, tcp("10.0.1.2", "10.0.2.1", 5432), AclFields.CT_NEW));
    assertEquals(20, decide(acl, tcp("fd00::2", "fd00::2:1", 5432), AclFields.CT_NEW));
    assertEquals(-1, decide(acl, tcp("10.0.1.1", "10.0.2.1", 5433), AclFields.CT_NEW), "port");
    assertEquals(-1, decide(acl, tcp("10.0.2.1", "10.0.1.1", 5432), AclFields.CT_NEW), "db->web");
    assertEquals(-1, decide(acl, tcp("10.0.1.9", "10.0.2.1", 5432), AclFields.CT_NEW), "no member");
    assertEquals(-1, decide(acl, tcp("10.0.1.1", "10.0.1.2", 5432), AclFields.CT_NEW), "web->web");
    assertEquals(10, decide(acl, tcp("10.0.2.1", "10.0.1.1", 40000), AclFields.CT_ESTABLISHED));
  }

  @Test
  void aTagMovedRecompilesTheAclAndTheSameRuleKeepsItsHits() {
    SwitchConfig config = valid(DFW);
    Map<String, Integer> slots = Map.of("web1", 0, "web2", 1, "db1", 2);
    L2Tables before = L2Compiler.compile(config, slots, 3);
    Acl first = before.port(0).ingressAcl();
    assertSame(first, L2Compiler.compile(config, slots, 3).port(0).ingressAcl(), "no change");
    int web2Rule = first.tree().classify(tcp("10.0.1.2", "10.0.2.1", 5432), 0, AclFields.CT_NEW);
    for (int i = 0; i < 5; i++) {
      first.decide(0, web2Rule);
    }
    first.decide(0, -1);

    // web2 leaves web (keeps app): its new connections to db are no longer allowed
    SwitchConfig moved =
        ConfigValidator.validate(ConfigEdits.withTags(config, "web2", "[\"app\"]").config());
    assertEquals(List.of("app"), moved.ports().get(1).tags());
    Acl second = L2Compiler.compile(moved, slots, 3).port(0).ingressAcl();
    assertNotSame(first, second);
    assertEquals(-1, decide(second, tcp("10.0.1.2", "10.0.2.1", 5432), AclFields.CT_NEW));
    assertEquals(20, decide(second, tcp("10.0.1.1", "10.0.2.1", 5432), AclFields.CT_NEW));
    assertEquals(10, decide(second, tcp("10.0.1.2", "10.0.2.1", 5432), AclFields.CT_ESTABLISHED));
    L2Compiler.AclHits hits = L2Compiler.hits(moved.acls().getFirst());
    assertEquals(5, hits.rules().get(1).hits(), "rule 20 is the same rule: its hits carry over");
    assertEquals(2, hits.rules().get(1).compiled(), "web1 x db1, IPv4 and IPv6");
    assertEquals(1, hits.defaults());

    // rule 20 changed: a new rule, counted from 0; rule 10 is the same and keeps its count
    second.decide(0, second.tree().classify(tcp("10.0.2.1", "10.0.1.1", 1), 0, CT_EST));
    SwitchConfig changed =
        ConfigValidator.validate(
            ConfigLoader.parse(
                DFW.replace("tags: [web, app]", "tags: [app]").replace("5432}", "5433}"), "t"));
    L2Compiler.compile(changed, slots, 3);
    L2Compiler.AclHits after = L2Compiler.hits(changed.acls().getFirst());
    assertEquals(1, after.rules().get(0).hits(), "rule 10 unchanged");
    assertEquals(0, after.rules().get(1).hits(), "rule 20 changed");
    assertEquals(1, after.defaults());
  }

  private static final int CT_EST = AclFields.CT_ESTABLISHED;

  @Test
  void membersComeFromPortsPortGroupsTagsAndNestedGroupsAsAUnion() {
    SwitchConfig config =
        valid(
            DFW.replace(
                "  - {name: db, tags: [db]}",
                "  - {name: db, tags: [db]}\n"
                    + "  - {name: seg-all, port-groups: [seg]}\n"
                    + "  - {name: one, ports: [db1]}\n"
                    + "  - {name: both, groups: [web, one]}"));
    SecurityGroups groups = SecurityGroups.resolve(config);
    assertEquals(List.of("web1", "web2", "db1"), groups.members("seg-all"));
    assertEquals(List.of("db1"), groups.members("one"));
    assertEquals(List.of("web1", "web2", "db1"), groups.members("both"));
  }

  @Test
  void aGroupThatMatchesNoPortNowIsValidAndItsRuleMatchesNothing() {
    SwitchConfig config = valid(DFW.replace("{name: db, tags: [db]}", "{name: db, tags: [none]}"));
    Acl acl = compile(config);
    assertEquals(3, acl.rules().size(), "rule 20 compiles to nothing");
    assertEquals(-1, decide(acl, tcp("10.0.1.1", "10.0.2.1", 5432), AclFields.CT_NEW));
  }

  @Test
  void aRuleMayPairAGroupWithAPrefixAndTheOtherFamilyIsLeftOut() {
    SwitchConfig config =
        valid(DFW.replace("src-group: web, dst-group: db", "src-group: web, dst-ip: 10.0.2.0/24"));
    Acl acl = compile(config);
    assertEquals(2, acl.rules().stream().filter(r -> r.priority() == 20).count(), "IPv4 only");
    assertEquals(20, decide(acl, tcp("10.0.1.2", "10.0.2.7", 5432), AclFields.CT_NEW));
    SwitchConfig v6 =
        valid(DFW.replace("protocol: tcp, dst-port: 5432", "ether-type: ipv6, protocol: tcp"));
    assertEquals(2, compile(v6).rules().stream().filter(r -> r.priority() == 20).count());
  }

  @Test
  void removingAListedPortTakesItOutOfItsGroupsAndRefusesToEmptyOne() {
    SwitchConfig config =
        valid(DFW.replace("{name: db, tags: [db]}", "{name: db, ports: [db1], tags: [db]}"));
    SwitchConfig without = ConfigValidator.validate(ConfigEdits.withoutPort(config, "db1"));
    assertEquals(List.of(), without.securityGroups().get(1).ports());
    SwitchConfig only = valid(DFW.replace("{name: db, tags: [db]}", "{name: db, ports: [db1]}"));
    String message =
        assertThrows(
                ConfigException.class,
                () -> ConfigValidator.validate(ConfigEdits.withoutPort(only, "db1")))
            .getMessage();
    assertEquals(
        "security group 'db' has no members: give ports, port-groups, tags or groups", message);
  }

  @Test
  void refusalsAreOneLineEach() {
    assertEquals(
        "acl 'dfw' rule 20: unknown security group 'dbs'; security-groups are [web, db]",
        refused(DFW.replace("dst-group: db", "dst-group: dbs")));
    assertEquals(
        "acl 'dfw' rule 20: src-group and src-ip exclude each other (the group is its IPs)",
        refused(DFW.replace("src-group: web,", "src-group: web, src-ip: 10.0.0.0/8,")));
    assertEquals(
        "security group 'db' has no members: give ports, port-groups, tags or groups",
        refused(DFW.replace("{name: db, tags: [db]}", "{name: db}")));
    assertEquals(
        "security group 'a': groups nest in a cycle: a -> b -> a",
        refused(
            DFW.replace(
                "  - {name: db, tags: [db]}",
                "  - {name: db, tags: [db]}\n  - {name: a, groups: [b]}\n"
                    + "  - {name: b, groups: [a]}")));
    assertEquals(
        "security group 'db': unknown port 'db9'",
        refused(DFW.replace("{name: db, tags: [db]}", "{name: db, ports: [db9]}")));
    assertTrue(
        refused(DFW.replace("{name: db, tags: [db]}", "{name: db, port-groups: [nope]}"))
            .startsWith("security group 'db': unknown port group 'nope'; port-groups are"));
    assertTrue(
        refused(DFW.replace("{name: db, tags: [db]}", "{name: db, groups: [nope]}"))
            .startsWith("security group 'db': unknown group 'nope'; groups are"));
    assertEquals(
        "security group 'db': member port 'db1' (tag db) has no addresses; a group rule matches"
            + " its members by their addresses",
        refused(DFW.replace("addresses: [10.0.2.1, \"fd00::2:1\"]", "mtu: 1500")));
    assertEquals(
        "port 'db1': address '10.0.2.1/24' has host bits set: give the host (10.0.2.1) or its"
            + " network",
        refused(DFW.replace("addresses: [10.0.2.1,", "addresses: [10.0.2.1/24,")));
    assertEquals(
        "port 'db1': address 'db.example' is not an IPv4 or IPv6 address",
        refused(DFW.replace("addresses: [10.0.2.1,", "addresses: [db.example,")));
    assertEquals(
        "port 'db1': address 10.0.2.1/32 is listed twice",
        refused(DFW.replace("addresses: [10.0.2.1,", "addresses: [10.0.2.1, 10.0.2.1/32,")));
    assertEquals(
        "security group name 'db' is used twice",
        refused(
            DFW.replace(
                "  - {name: db, tags: [db]}",
                "  - {name: db, tags: [db]}\n  - {name: db, tags: [x]}")));
    assertEquals(
        "port 'web2': tag 'web' is listed twice",
        refused(DFW.replace("tags: [web, app]", "tags: [web, web]")));
    assertTrue(
        refused(DFW.replace("tags: [web, app]", "tags: [web, \"a b\"]"))
            .startsWith("tag name 'a b' is not allowed"),
        "tags follow the name rule");
  }

  @Test
  void aRuleThatWouldCompileToTooManyRulesIsRefused() {
    StringBuilder ports = new StringBuilder();
    for (int p = 0; p < 24; p++) {
      StringBuilder addresses = new StringBuilder();
      for (int i = 0; i < 16; i++) {
        addresses
            .append(i == 0 ? "" : ", ")
            .append("\"10.")
            .append(p)
            .append('.')
            .append(i)
            .append(".1\"");
      }
      ports
          .append("  - {name: h")
          .append(p)
          .append(", devargs: net_null")
          .append(p + 3)
          .append(", port-group: seg, tags: [web, db], addresses: [")
          .append(addresses)
          .append("]}\n");
    }
    String huge = DFW.replace("security-groups:", ports + "security-groups:");
    String message = refused(huge);
    assertTrue(
        message.startsWith("acl 'dfw' rule 20: group web (")
            && message.endsWith("rules, more than " + ConfigLimits.MAX_GROUP_RULE_EXPANSION),
        message);
  }

  @Test
  void securityGroupsNeedASwitch() {
    assertEquals(
        "security-groups need a switch (port-groups), not cross-connect",
        refused(
            """
            ports:
              - {name: a, devargs: net_null0}
              - {name: b, devargs: net_null1}
            cross-connect: [[a, b]]
            security-groups:
              - {name: g, ports: [a]}
            """));
  }
}
