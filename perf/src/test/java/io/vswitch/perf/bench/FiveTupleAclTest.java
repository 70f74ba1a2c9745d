package io.vswitch.perf.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.perf.frames.TrafficSpec;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class FiveTupleAclTest {
  private static final Pattern FLOW =
      Pattern.compile(
          "priority=(\\d+),udp,nw_src=([0-9./]+),nw_dst=([0-9.]+),tp_src=(\\d+),tp_dst=(\\d+),"
              + "actions=drop");
  private static final Pattern YAML =
      Pattern.compile(
          "- \\{priority: (\\d+), action: deny, protocol: udp, src-ip: ([0-9./]+), dst-ip:"
              + " ([0-9.]+), src-port: \"(\\d+)\", dst-port: \"(\\d+)\"}");

  @Test
  void bothSwitchesGetTheSameRulesInTheSameOrder() {
    List<String> flows = FiveTupleAcl.openFlowFile(10_000).lines().toList();
    List<String> yaml = FiveTupleAcl.yaml(10_000, "  ").lines().toList();
    assertEquals(10_001, flows.size(), "N drops + NORMAL");
    assertEquals("priority=0,actions=NORMAL", flows.get(10_000));
    assertEquals(10_000, yaml.size());
    int lastOvs = Integer.MAX_VALUE;
    int lastSwitch = -1;
    for (int k = 0; k < 10_000; k++) {
      Matcher f = FLOW.matcher(flows.get(k));
      Matcher y = YAML.matcher(yaml.get(k).trim());
      assertTrue(f.matches(), flows.get(k));
      assertTrue(y.matches(), yaml.get(k));
      for (int field = 2; field <= 5; field++) {
        assertEquals(f.group(field), y.group(field), "rule " + k + " field " + field);
      }
      int ovsPriority = Integer.parseInt(f.group(1));
      int switchPriority = Integer.parseInt(y.group(1));
      assertTrue(ovsPriority < lastOvs && ovsPriority > 0, "OVS: highest first, above NORMAL");
      assertTrue(switchPriority > lastSwitch, "switch: lowest first");
      lastOvs = ovsPriority;
      lastSwitch = switchPriority;
    }
  }

  @Test
  void rulesAreDistinct() {
    Set<String> seen = new HashSet<>();
    for (FiveTupleAcl.Rule r : FiveTupleAcl.rules(FiveTupleAcl.MAX_RULES)) {
      assertTrue(seen.add(r.srcPrefix() + " " + r.dstHost()), r.toString());
    }
    assertThrows(IllegalArgumentException.class, () -> FiveTupleAcl.rules(-1));
    assertThrows(
        IllegalArgumentException.class, () -> FiveTupleAcl.rules(FiveTupleAcl.MAX_RULES + 1));
  }

  /** Every generated frame passes every rule: what is measured is classification, not drops. */
  @Test
  void noRuleMatchesAnyGeneratedFrame() {
    List<FiveTupleAcl.Rule> rules = FiveTupleAcl.rules(10_000);
    for (byte[] frame :
        new TrafficSpec(64, TrafficSpec.MAX_FLOWS, TrafficSpec.Destination.KNOWN).frames()) {
      ByteBuffer b = ByteBuffer.wrap(frame);
      assertEquals(17, frame[23], "UDP, the rules' protocol");
      int src = b.getInt(26);
      int dst = b.getInt(30);
      int srcPort = b.getShort(34) & 0xFFFF;
      int dstPort = b.getShort(36) & 0xFFFF;
      assertEquals(FiveTupleAcl.DST_PORT, dstPort, "the rules' destination port");
      for (FiveTupleAcl.Rule r : rules) {
        boolean match =
            inPrefix(src, r.srcPrefix())
                && inPrefix(dst, r.dstHost() + "/32")
                && srcPort == r.srcPort();
        assertFalse(match, r + " matches a generated frame");
      }
    }
  }

  private static boolean inPrefix(int address, String prefix) {
    String[] parts = prefix.split("/");
    String[] octets = parts[0].split("\\.");
    int net = 0;
    for (String o : octets) {
      net = net << 8 | Integer.parseInt(o);
    }
    int bits = Integer.parseInt(parts[1]);
    int mask = bits == 0 ? 0 : -1 << (32 - bits);
    return (address & mask) == (net & mask);
  }
}
