package io.vswitch.control.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.dataplane.acl.Acl;
import io.vswitch.dataplane.acl.AclFields;
import io.vswitch.dataplane.acl.AclKeys;
import io.vswitch.dataplane.qos.PolicerSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** ACL and QoS config: what is accepted compiles as written; every class of mistake is refused. */
class AclQosConfigTest {
  private static final String PORTS =
      """
      ports:
        - {name: a, devargs: net_null0, port-group: web}
        - {name: b, devargs: net_null1}
      """;

  private static SwitchConfig valid(String yaml) {
    return ConfigValidator.validate(ConfigLoader.parse(yaml, "test.yaml"));
  }

  private static String refused(String yaml) {
    ConfigException e = assertThrows(ConfigException.class, () -> valid(yaml));
    assertEquals(-1, e.getMessage().indexOf('\n'), "one line: " + e.getMessage());
    return e.getMessage();
  }

  /** A config whose only ACL has {@code rule} and whose port group has {@code qos}. */
  private static String config(String rule, String qos) {
    return """
        acls:
          - name: web-in
            default: allow
            rules:
              - %s
        port-groups:
          - name: web
            vlan: {mode: access, id: 10}
            acl: {ingress: web-in}
            qos: %s
        """
            .formatted(rule, qos)
        + PORTS;
  }

  private static final String RULE = "{priority: 10, action: deny, protocol: tcp, dst-port: 80}";
  private static final String QOS = "{mark: {dscp: 46}}";

  @Test
  void aFullAclAndQosConfigIsAcceptedAndCompilesAsWritten() {
    SwitchConfig config =
        valid(
            """
            acls:
              - name: web-in
                default: deny
                rules:
                  - {priority: 10, action: deny, src-ip: 10.0.0.1, protocol: tcp, dst-port: 80}
                  - {priority: 20, action: allow, src-ip: 10.0.0.0/8, dst-ip: 0.0.0.0/0}
                  - {priority: 30, action: allow, dst-ip: "fd00::/64", protocol: udp,
                     dst-port: 1000-2000, src-port: "0-65535"}
                  - {priority: 40, action: allow, protocol: tcp, tcp-flags: "syn,!ack"}
                  - {priority: 50, action: allow, ether-type: arp, vlan: 10,
                     src-mac: "02:00:00:00:00:01", dst-mac: "ff:ff:ff:ff:ff:ff"}
                  - {priority: 60, action: allow, ether-type: "0x88cc"}
            port-groups:
              - name: web
                vlan: {mode: access, id: 10}
                acl: {ingress: web-in, egress: web-in}
                qos:
                  ingress-policer: {type: trtcm, cir-bps: 8000000, cbs-bytes: 10000,
                                    pir-bps: 16000000, pbs-bytes: 20000, exceed: remark,
                                    exceed-dscp: 8}
                  egress-shaper: {average-bps: 100000000, peak-bps: 200000000,
                                  burst-bytes: 102400}
                  mark: {pcp: 5, dscp: 46}
            """
                + PORTS);
    Acl acl = AclRules.compile(config.acls().getFirst(), 1);
    assertEquals(6, acl.rules().size());
    AclKeys keys = new AclKeys();
    long[] f = new long[AclFields.COUNT];
    f[AclFields.ETHER_TYPE] = 0x0800;
    f[AclFields.SRC_HI] = Long.MIN_VALUE;
    f[AclFields.SRC_LO] = AclFields.unsigned(AclFields.V4_MAPPED | 0x0A00_0001L);
    f[AclFields.DST_HI] = Long.MIN_VALUE;
    f[AclFields.DST_LO] = AclFields.unsigned(AclFields.V4_MAPPED | 0x0A00_0002L);
    f[AclFields.PROTOCOL] = 6;
    f[AclFields.SRC_PORT] = 40000;
    f[AclFields.DST_PORT] = 80;
    keys.set(0, f, 0x02);
    assertEquals(
        0, acl.tree().classify(keys.fullKeys(-1), 0, 0x02), "10.0.0.1 to port 80: rule 10");
    f[AclFields.DST_PORT] = 81;
    keys.set(0, f, 0x02);
    assertEquals(1, acl.tree().classify(keys.fullKeys(-1), 0, 0x02), "port 81: rule 20");
    PolicerSpec policer =
        QosSpecs.policer(config.portGroups().getFirst().qos().ingressPolicer(), "x");
    assertEquals(1_000_000, policer.rate1(), "bits to bytes per second");
    assertEquals(PolicerSpec.Type.TRTCM, policer.type());
  }

  @Test
  void aPortOverridesItsGroup() {
    valid(
        config(RULE, QOS)
            .replace(
                "port-group: web}",
                "port-group: web, acl: {egress: web-in}, qos: {mark: {pcp: 1}}}"));
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{priority: 10, action: deny, src-ip: 10.0.0.0/33} | prefix length of 10.0.0.0/33 is not 0..32",
        "{priority: 10, action: deny, src-ip: 10.0.0.300} | is not an IPv4 or IPv6 address",
        "{priority: 10, action: deny, dst-ip: 'fd00::/129'} | is not 0..128",
        "{priority: 10, action: deny, src-ip: 10.0.0.1, dst-ip: 'fd00::1'} | different families",
        "{priority: 10, action: deny, ether-type: ipv6, src-ip: 10.0.0.1} | contradicts",
        "{priority: 10, action: deny, protocol: tcp, dst-port: 2000-1000} | is reversed",
        "{priority: 10, action: deny, protocol: tcp, dst-port: 70000} | ports are 0..65535",
        "{priority: 10, action: deny, dst-port: 80} | dst-port needs protocol tcp or udp",
        "{priority: 10, action: deny, protocol: udp, tcp-flags: syn} | tcp-flags need protocol tcp",
        "{priority: 10, action: deny, protocol: tcp, tcp-flags: 'syn,foo'} | tcp flag 'foo'",
        "{priority: 10, action: drop} | action must be allow or deny",
        "{action: deny} | needs a priority",
        "{priority: 10, action: deny, protocol: bogus} | 'bogus' is not a number",
        "{priority: 10, action: deny, vlan: 5000} | vlan must be in 1..4094",
        "{priority: 10, action: deny, src-mac: 'zz:00'} | is not a MAC address",
        "{priority: 10, action: deny, ether-type: 0x0100} | ether-type must be 0x0600..0xffff",
      })
  void badRulesAreRefusedNamingTheRule(String rule, String message) {
    String error = refused(config(rule, QOS));
    assertTrue(error.contains(message), error);
    assertTrue(error.startsWith("acl 'web-in'"), error);
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{ingress-policer: {cir-bps: 0, cbs-bytes: 1000}} | cir-bps must be a rate",
        "{ingress-policer: {cir-bps: 8000, cbs-bytes: 0}} | cbs-bytes must be in",
        "{ingress-policer: {type: trtcm, cir-bps: 16000, cbs-bytes: 1000, pir-bps: 8000, pbs-bytes: 1000}} | pir-bps must be at least cir-bps",
        "{ingress-policer: {type: trtcm, cir-bps: 8000, cbs-bytes: 1000}} | pir-bps must be a rate",
        "{ingress-policer: {type: leaky, cir-bps: 8000, cbs-bytes: 1000}} | type 'leaky' is unknown",
        "{ingress-policer: {cir-bps: 8000, cbs-bytes: 1000, exceed: remark}} | needs exceed-dscp",
        "{ingress-policer: {cir-bps: 8000, cbs-bytes: 1000, exceed: remark, exceed-dscp: 64}} | DSCP in 0..63",
        "{ingress-policer: {cir-bps: 8000, cbs-bytes: 1000, exceed: shout}} | exceed must be drop or remark",
        "{egress-shaper: {average-bps: 0, burst-bytes: 1000}} | average-bps must be a rate",
        "{egress-shaper: {average-bps: 8000, peak-bps: 4000, burst-bytes: 1000}} | peak-bps must be at least average-bps",
        "{egress-shaper: {average-bps: 8000, burst-bytes: 1000, queue-packets: 1000}} | power of two",
        "{egress-shaper: {average-bps: 8000}} | burst-bytes must be in",
        "{mark: {pcp: 8}} | PCP in 0..7",
        "{mark: {dscp: -1}} | DSCP in 0..63",
        "{mark: {}} | mark needs pcp, dscp or both",
      })
  void badQosIsRefusedNamingTheGroup(String qos, String message) {
    String error = refused(config(RULE, qos));
    assertTrue(error.contains(message), error);
    assertTrue(error.startsWith("port group 'web'"), error);
  }

  @Test
  void aclNamesAreCheckedWhereverTheyAreUsed() {
    assertTrue(
        refused(config(RULE, QOS).replace("{ingress: web-in}", "{ingress: web-out}"))
            .contains("unknown acl 'web-out'"));
    assertTrue(
        refused(config(RULE, QOS).replace("port-group: web}", "port-group: web, acl: {egress: x}}"))
            .startsWith("port 'a': unknown acl 'x'"));
    assertTrue(
        refused(config(RULE, QOS).replace("{ingress: web-in}", "{}")).contains("needs ingress"));
    assertTrue(
        refused(config(RULE, QOS).replace("default: allow", "default: maybe"))
            .contains("default must be allow or deny"));
    assertTrue(
        refused(config(RULE + "\n      - " + RULE, QOS)).contains("two rules have priority 10"));
    String twice =
        config(RULE, QOS).replace("acls:\n", "acls:\n  - {name: web-in, default: allow}\n");
    assertTrue(refused(twice).contains("acl name 'web-in' is used twice"));
  }

  @Test
  void fragmentsPolicyDefaultsByTheRulesAndIsValidated() {
    SwitchConfig config = valid(config(RULE, QOS));
    Acl l4 = AclRules.compile(config.acls().get(0), 1);
    assertTrue(l4.hasL4Rules());
    assertEquals(false, l4.allowsFragments(), "an L4 rule: non-first fragments denied");
    String l3Rule = "{priority: 10, action: deny, src-ip: 10.0.0.1}";
    Acl l3 = AclRules.compile(valid(config(l3Rule, QOS)).acls().get(0), 1);
    assertEquals(true, l3.allowsFragments(), "no L4 rule: fragments classified");
    String allow =
        config(RULE, QOS).replace("default: allow", "default: allow\n    fragments: allow");
    assertEquals(true, AclRules.compile(valid(allow).acls().get(0), 1).allowsFragments());
    assertTrue(
        refused(allow.replace("fragments: allow", "fragments: reassemble"))
            .contains("fragments must be allow or deny"));
  }

  @Test
  void portMtuIsValidated() {
    String jumbo = PORTS.replace("devargs: net_null1}", "devargs: net_null1, mtu: 9000}");
    assertEquals(
        9000, valid(config(RULE, QOS).replace(PORTS, jumbo)).ports().get(1).mtuOrDefault());
    assertEquals(1500, valid(config(RULE, QOS)).ports().get(0).mtuOrDefault());
    for (String bad : new String[] {"67", "9601", "-1"}) {
      assertTrue(
          refused(config(RULE, QOS).replace(PORTS, jumbo.replace("9000", bad)))
              .contains("port 'b': mtu must be 68..9600"),
          bad);
    }
  }
}
