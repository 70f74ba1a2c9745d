package io.vswitch.dataplane.l2;

import static io.vswitch.dataplane.testing.FrameBuilder.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.dataplane.acl.Acl;
import io.vswitch.dataplane.acl.AclRule;
import io.vswitch.dataplane.flow.FlowCache;
import io.vswitch.dataplane.flow.FlowRecord;
import io.vswitch.dataplane.flow.FlowSettings;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.testing.HostileFrames;
import io.vswitch.dataplane.testing.IpPackets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The FLOW_EXPORT stage over one parsed burst (heap mbufs, no DPDK): which frames make flows (live
 * IPv4/IPv6 only), with their IP bytes (not the padding), ports, protocol, VLAN, in and out ports
 * and flags; hostile L3/L4 (options, fragments, a cut TCP header) accounted without ports and
 * without reading past the frame; and the same records whether the ACL stages extracted the key.
 */
class FlowExportStageTest {
  private static final String A = "02:00:00:00:0a:01";
  private static final String B = "02:00:00:00:0b:01";

  private static byte[] eth(int type, byte[] payload) {
    return frame().src(A).dst(B).etherType(type).payload(payload).build();
  }

  private static List<byte[]> burst() {
    List<byte[]> f = new ArrayList<>();
    f.add(eth(0x0800, IpPackets.ipv4("10.0.0.1", "10.0.0.2", IpPackets.UDP, 1000, 53, 0))); // 0
    f.add(eth(0x0800, IpPackets.ipv4("10.0.0.1", "10.0.0.2", IpPackets.UDP, 1000, 53, 0))); // 1
    f.add(eth(0x0800, IpPackets.ipv4("10.0.0.1", "10.0.0.2", IpPackets.TCP, 4000, 80, 0x02)));
    f.add(eth(0x0800, IpPackets.ipv4("10.0.0.1", "10.0.0.2", IpPackets.TCP, 4000, 80, 0x18)));
    f.add(eth(0x86dd, IpPackets.ipv6("2001:db8::1", "2001:db8::2", IpPackets.UDP, 7, 9, 0))); // 4
    f.add(frame().src(A).dst(B).etherType(0x0806).payloadLength(28).build()); // 5: ARP
    f.add(eth(0x0800, HostileFrames.ipv4(6, HostileFrames.tcp(22), 0x2000, 2))); // 6: options, MF
    f.add(eth(0x0800, HostileFrames.ipv4(17, new byte[24], 100, 0))); // 7: a later fragment
    f.add(eth(0x0800, HostileFrames.ipv4(6, new byte[10], 0, 0))); // 8: TCP header cut at 10
    f.add(
        eth(0x0800, IpPackets.ipv4("10.9.9.9", "10.0.0.2", IpPackets.UDP, 1, 2, 0))); // 9: dropped
    return f;
  }

  private static Map<String, long[]> run(boolean acls) {
    FlowCache cache = new FlowCache(1024, 64, new FlowSettings(60_000, 15_000, 1));
    FlowExportStage stage = new FlowExportStage(cache);
    Map<String, long[]> flows = new HashMap<>();
    try (StageFixture fx = StageFixture.withoutDpdk(3)) {
      PortPolicy.Builder p = PortPolicy.access(0, 10).flowExport(true);
      if (acls) {
        p.acls(new Acl("any", List.of(AclRule.builder(1, true).build()), true, 1), null);
      }
      PortPolicy port = p.build();
      L2Tables tables =
          new L2Tables(
              new PortPolicy[] {
                port, PortPolicy.access(1, 10).build(), PortPolicy.access(2, 10).build()
              });
      BurstContext ctx = fx.received(0, burst());
      assertEquals(10, ctx.count());
      assertEquals(0x3FF, ctx.live(), "every frame parsed live");
      fx.run(tables, Feature.VLAN_CLASSIFY);
      if (acls) {
        fx.run(tables, Feature.ACL_KEYS);
      }
      for (int i = 0; i < ctx.count(); i++) {
        ctx.egress[i] = i % 2 == 1 ? 1 : BurstContext.FLOOD; // a flow's 1st flooded, 2nd to port 1
      }
      ctx.drop(9, DropReason.ACL_INGRESS_DENY);
      ctx.use(tables, port, null, 0, 1);
      stage.run(ctx);
      cache.flush();
      long[] r = new long[FlowRecord.WORDS];
      while (cache.ring().poll(r)) {
        long k = r[FlowRecord.KEY];
        String name =
            (FlowRecord.ipv6(k) ? "v6" : "v4")
                + "/"
                + FlowRecord.protocol(k)
                + "/"
                + FlowRecord.sourcePort(k)
                + ">"
                + FlowRecord.destinationPort(k);
        flows.put(name, r.clone());
      }
    }
    return flows;
  }

  @Test
  void liveIpFramesMakeFlowsWithTheirIpBytesPortsAndFlags() {
    Map<String, long[]> f = run(false);
    assertEquals(
        java.util.Set.of(
            "v4/17/1000>53", "v4/6/4000>80", "v6/17/7>9", "v4/6/40000>22", "v4/17/0>0", "v4/6/0>0"),
        f.keySet(),
        "no ARP, no dropped packet's flow (10.9.9.9)");
    long[] udp = f.get("v4/17/1000>53");
    assertEquals(2, udp[FlowRecord.PACKETS]);
    assertEquals(2 * 28, udp[FlowRecord.BYTES], "IP bytes: 28 each, not the 60-byte frame");
    assertEquals(10, FlowRecord.vlan(udp[FlowRecord.KEY]));
    assertEquals(0, FlowRecord.inPort(udp[FlowRecord.KEY]));
    assertEquals(2, FlowRecord.egress(udp[FlowRecord.EXTRA]), "as last seen: port 1, + 1");
    long[] tcp = f.get("v4/6/4000>80");
    assertEquals(2, tcp[FlowRecord.PACKETS]);
    assertEquals(0x1A, FlowRecord.tcpFlags(tcp[FlowRecord.EXTRA]), "SYN | PSH | ACK");
    assertEquals(2, FlowRecord.egress(tcp[FlowRecord.EXTRA]));
    assertEquals(0, FlowRecord.egress(f.get("v6/17/7>9")[FlowRecord.EXTRA]), "flooded: none");
    assertEquals(48, f.get("v6/17/7>9")[FlowRecord.BYTES]);
    assertEquals(
        20 + 8 + 20, f.get("v4/6/40000>22")[FlowRecord.BYTES], "8 bytes of options counted");
    assertEquals(20 + 24, f.get("v4/17/0>0")[FlowRecord.BYTES], "a later fragment: no ports");
    assertEquals(30, f.get("v4/6/0>0")[FlowRecord.BYTES], "a cut TCP header: no ports, no flags");
    assertEquals(0, FlowRecord.tcpFlags(f.get("v4/6/0>0")[FlowRecord.EXTRA]));
  }

  @Test
  void theKeysTheAclStagesExtractedGiveTheSameFlows() {
    Map<String, long[]> without = run(false);
    Map<String, long[]> with = run(true);
    assertEquals(without.keySet(), with.keySet());
    for (String k : without.keySet()) {
      long[] a = without.get(k);
      long[] b = with.get(k);
      for (int w = 0; w < FlowRecord.WORDS; w++) {
        if (w != FlowRecord.FIRST && w != FlowRecord.LAST) {
          assertEquals(a[w], b[w], k + " word " + w);
        }
      }
    }
    assertTrue(with.size() == 6);
  }
}
