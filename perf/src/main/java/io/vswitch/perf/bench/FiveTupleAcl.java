package io.vswitch.perf.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The same {@code n} never-matching UDP 5-tuple deny rules for the switch (YAML list items of an
 * ACL whose default allows) and for OVS-DPDK (OpenFlow drop flows above a priority-0 NORMAL), so
 * that the "L2 + N rules" rows of both classify every frame against the same set and forward it.
 *
 * <p>Rule k denies UDP from 10.(128 + k/256).(k%256).0/24, source port 10000 + k, to host
 * 172.16.(k/256).(k%256) port 5001. The generators send UDP from 10.0.x.y, source ports 1024 +
 * flow, to 10.1.0.1 port 5001 ({@code Frames.udp}): protocol and destination port match every rule,
 * so only the addresses and the source port reject it; none matches. Rule k is tried k-th by both
 * (switch: priority 10(k+1), lowest first; OVS: priority {@link #OVS_TOP} - k, highest first).
 */
final class FiveTupleAcl {
  /** Enough distinct /24s in 10.128/9 and hosts in 172.16/16 for every k. */
  static final int MAX_RULES = 32_768;

  /** OpenFlow priority of rule 0; rule k gets OVS_TOP - k, all above NORMAL's 0. */
  static final int OVS_TOP = 60_000;

  /** The destination port every rule and every generated frame has. */
  static final int DST_PORT = 5001;

  private FiveTupleAcl() {}

  /** One deny rule, in the two switches' words. */
  record Rule(int index) {
    String srcPrefix() {
      return "10." + (128 + index / 256) + "." + index % 256 + ".0/24";
    }

    String dstHost() {
      return "172.16." + index / 256 + "." + index % 256;
    }

    int srcPort() {
      return 10_000 + index;
    }

    /** The switch's ACL rule, as a YAML flow mapping. */
    String yaml() {
      return "{priority: "
          + 10 * (index + 1)
          + ", action: deny, protocol: udp, src-ip: "
          + srcPrefix()
          + ", dst-ip: "
          + dstHost()
          + ", src-port: \""
          + srcPort()
          + "\", dst-port: \""
          + DST_PORT
          + "\"}";
    }

    /** OVS's flow, in ovs-ofctl add-flows syntax. */
    String openFlow() {
      return "priority="
          + (OVS_TOP - index)
          + ",udp,nw_src="
          + srcPrefix()
          + ",nw_dst="
          + dstHost()
          + ",tp_src="
          + srcPort()
          + ",tp_dst="
          + DST_PORT
          + ",actions=drop";
    }
  }

  static List<Rule> rules(int n) {
    if (n < 0 || n > MAX_RULES) {
      throw new IllegalArgumentException("rules must be 0.." + MAX_RULES + ", not " + n);
    }
    List<Rule> out = new ArrayList<>(n);
    for (int k = 0; k < n; k++) {
      out.add(new Rule(k));
    }
    return out;
  }

  /** The switch's rules, one YAML list item a line, each line starting with {@code indent}. */
  static String yaml(int n, String indent) {
    StringBuilder out = new StringBuilder();
    for (Rule r : rules(n)) {
      out.append(indent).append("- ").append(r.yaml()).append('\n');
    }
    return out.toString();
  }

  /**
   * An ovs-ofctl add-flows file: the {@code n} drops, then NORMAL at priority 0 (the flow a new
   * bridge has anyway, written out so the file alone says what the bridge does): n + 1 flows.
   */
  static String openFlowFile(int n) {
    StringBuilder out = new StringBuilder();
    for (Rule r : rules(n)) {
      out.append(r.openFlow()).append('\n');
    }
    out.append("priority=0,actions=NORMAL\n");
    return out.toString();
  }
}
