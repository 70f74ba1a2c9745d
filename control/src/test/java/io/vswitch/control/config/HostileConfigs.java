package io.vswitch.control.config;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Hostile config inputs, each with the one line it must be refused with ({@code %s} is the input's
 * source: a file name, "request body"). Shared by the loader test, the launcher test and the
 * control plane test, so that a file, the command line and the API refuse the same input the same.
 */
public final class HostileConfigs {
  /** One hostile input and its expected message. */
  public record Case(String name, byte[] input, String expected) {
    public String text() {
      return new String(input, StandardCharsets.UTF_8);
    }

    public String expected(String source) {
      return expected.formatted(source);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  private static final String WORKERS = "workers: {cores: [-1], idle: backoff}\n";

  /** Two harmless ports (net_null), with {@code extra} lines appended after the ports list. */
  static String config(String ports, String extra) {
    return WORKERS
        + "port-groups:\n  - {name: web, vlan: {mode: access, id: 10}}\n"
        + "ports:\n"
        + "  - {name: a, devargs: \"net_null_hc0,no-rx=1\", port-group: web}\n"
        + ports
        + extra;
  }

  private static final String B = "  - {name: b, devargs: \"net_null_hc1,no-rx=1\"}\n";

  private HostileConfigs() {}

  public static List<Case> cases() {
    List<Case> c = new ArrayList<>();
    add(
        c,
        "duplicate top-level key",
        config(B, "ports:\n  - {name: z, devargs: net_null_hc9}\n"),
        "%s (line 7): duplicate key 'ports': give each key once");
    add(
        c,
        "duplicate key in a port",
        config("  - {name: b, name: c, devargs: \"net_null_hc1\"}\n", ""),
        "%s (line 6): duplicate key 'name': give each key once");
    add(
        c,
        "anchor",
        WORKERS
            + "port-groups:\n  - {name: &db db, vlan: {mode: access, id: 10}}\n"
            + "ports:\n  - {name: a, devargs: net_null_hc0, port-group: *db}\n",
        "%s (line 3): YAML anchor &db is not supported: write the value out");
    add(
        c,
        "alias",
        config("  - {name: b, devargs: net_null_hc1, port-group: *db}\n", ""),
        "%s (line 6): YAML alias *db is not supported: write the value out");
    add(
        c,
        "null list entry",
        config("  -\n" + B, ""),
        "%s (line 6): empty (null) list entry: remove it or give a value");
    add(
        c,
        "null in a JSON list",
        "{\"ports\": [{\"name\": \"a\", \"devargs\": \"net_null_hc0\"}, null]}",
        "%s: ports[1] is null: remove it or give a value");
    add(
        c,
        "duplicate key in JSON",
        "{\"ports\": [],\n \"ports\": [{\"name\": \"a\", \"devargs\": \"net_null_hc0\"}]}",
        "%s (line 2): duplicate key 'ports': give each key once");
    add(
        c,
        "null core",
        "workers: {cores: [1, ~]}\n" + "ports:\n  - {name: a, devargs: net_null_hc0}\n" + B,
        "%s (line 1): empty (null) list entry: remove it or give a value");
    add(
        c,
        "second document",
        config(B, "---\nports: []\n"),
        "%s (line 7): a second YAML document (---): give one config");
    add(
        c,
        "nested too deep",
        config(B, "cross-connect: " + "[".repeat(20) + "]".repeat(20) + "\n"),
        "%s (line 7): nested deeper than 16 levels");
    add(
        c,
        "20 MB scalar",
        config(B, "fdb: {aging-seconds: " + "9".repeat(20 << 20) + "}\n"),
        "%s is larger than 4 MiB");
    add(
        c,
        "a 100 KB word",
        config(B, "fdb: {aging-seconds: " + "9".repeat(100_000) + "}\n"),
        "%s (line 7): a value of more than 16384 characters without a space;"
            + " no config value is that long");
    byte[] latin1 = config(B, "# caf\u00e9\n").getBytes(StandardCharsets.ISO_8859_1);
    c.add(
        new Case(
            "not UTF-8",
            latin1,
            "%s (line 7): not UTF-8 text (byte 0xe9 at offset " + (latin1.length - 2) + ")"));
    add(
        c,
        "port name with a slash",
        config("  - {name: b/c, devargs: net_null_hc1}\n", ""),
        "port name 'b/c' is not allowed: use 1..32 of A-Z a-z 0-9 _ . - (not . or ..)");
    add(
        c,
        "port name with a newline",
        config("  - {name: \"b\\nvswitch: forged\", devargs: net_null_hc1}\n", ""),
        "port name 'b\\nvswitch: forged' is not allowed: use 1..32 of A-Z a-z 0-9 _ . -"
            + " (not . or ..)");
    add(
        c,
        "port name of 33 characters",
        config("  - {name: " + "b".repeat(33) + ", devargs: net_null_hc1}\n", ""),
        "port name '"
            + "b".repeat(33)
            + "' is not allowed: use 1..32 of A-Z a-z 0-9 _ . -"
            + " (not . or ..)");
    add(
        c,
        "port group named ..",
        WORKERS
            + "port-groups:\n  - {name: \"..\"}\nports:\n"
            + "  - {name: a, devargs: net_null_hc0}\n"
            + B,
        "port group name '..' is not allowed: use 1..32 of A-Z a-z 0-9 _ . - (not . or ..)");
    add(
        c,
        "acl name with a space",
        config(B, "acls:\n  - {name: \"web in\", default: allow}\n"),
        "acl name 'web in' is not allowed: use 1..32 of A-Z a-z 0-9 _ . - (not . or ..)");
    add(
        c,
        "reference with a newline is escaped",
        config("  - {name: b, devargs: net_null_hc1, port-group: \"x\\ny\"}\n", ""),
        "port 'b': unknown port group 'x\\ny'; groups are [web]");
    StringBuilder many = new StringBuilder();
    for (int i = 1; i <= 32; i++) {
      many.append("  - {name: p")
          .append(i)
          .append(", devargs: net_null_hc")
          .append(i + 10)
          .append("}\n");
    }
    add(
        c,
        "33 ports",
        config(many.toString(), ""),
        "33 ports: at most 32 (DPDK's RTE_MAX_ETHPORTS in this build)");
    add(
        c,
        "bogus EAL argument",
        config(B, "eal: {extra-args: [--bogus]}\n"),
        "eal.extra-args: '--bogus' is not an EAL option vswitch passes on (cores, memory,"
            + " hugepages and devices have their own keys); allowed: "
            + EalArgsTest.ALLOWED);
    add(
        c,
        "EAL -d loads a library",
        config(B, "eal: {extra-args: [-d, /tmp/evil.so]}\n"),
        "eal.extra-args: '-d' is not an EAL option vswitch passes on (cores, memory,"
            + " hugepages and devices have their own keys); allowed: "
            + EalArgsTest.ALLOWED);
    add(
        c,
        "EAL option without its value",
        config(B, "eal: {extra-args: [--log-level]}\n"),
        "eal.extra-args: --log-level needs a value");
    add(
        c,
        "absurd memory",
        config(B, "eal: {memory-mb: 2000000000}\n"),
        "eal.memory-mb 2000000000 is more than this host has (" + HostMemory.totalMb() + " MiB)");
    add(
        c,
        "devargs injection through iface",
        config("  - {name: b, type: afpacket, iface: \"lo,rx_pcap=/etc/shadow\"}\n", ""),
        "port 'b': iface 'lo,rx_pcap=/etc/shadow' is not an interface name");
    add(
        c,
        "devargs injection through a socket path",
        config("  - {name: b, type: vhost-user, socket: \"/run/vswitch/b.sock,client=1\"}\n", ""),
        "port 'b': socket '/run/vswitch/b.sock,client=1' must be a path without commas or"
            + " control characters");
    add(
        c,
        "security groups nesting in a cycle",
        config(
            B,
            "security-groups:\n  - {name: x, groups: [y]}\n  - {name: y, groups: [z]}\n"
                + "  - {name: z, groups: [x]}\n"),
        "security group 'x': groups nest in a cycle: x -> y -> z -> x");
    add(
        c,
        "a rule naming an unknown security group",
        config(
            B,
            "acls:\n  - {name: f, default: deny, rules: [{priority: 1, action: allow,"
                + " src-group: \"we\\nb\"}]}\n"),
        "acl 'f' rule 1: unknown security group 'we\\nb'; security-groups are []");
    add(
        c,
        "an address with a newline is escaped",
        config("  - {name: b, devargs: net_null_hc1, addresses: [\"10.0.0.1\\n\"]}\n", ""),
        "port 'b': address '10.0.0.1\\n' is not an IPv4 or IPv6 address");
    return c;
  }

  private static void add(List<Case> c, String name, String text, String expected) {
    c.add(new Case(name, text.getBytes(StandardCharsets.UTF_8), expected));
  }
}
