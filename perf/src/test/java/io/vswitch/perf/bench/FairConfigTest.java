package io.vswitch.perf.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vswitch.control.config.ConfigLoader;
import io.vswitch.control.config.ConfigValidator;
import io.vswitch.control.config.SwitchConfig;
import io.vswitch.perf.frames.Frames;
import io.vswitch.perf.frames.TrafficSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The same-traffic rows' configs, as the bench renders them, are configs the switch accepts, with
 * the static entries the generator's destinations need and the ACL the OVS rows get as flows.
 */
class FairConfigTest {
  private static final BenchSettings SETTINGS =
      new BenchSettings(0, 1, 0, 64, 1, 1, true, 512, Path.of("/tmp"), Path.of("/tmp"), List.of());

  private static BenchEntry entry(String name) {
    return BenchEntry.load(Path.of("bench/configurations.yaml")).stream()
        .filter(x -> x.name().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static SwitchConfig rendered(String name) {
    BenchEntry e = entry(name);
    String yaml =
        e.render(VswitchRunner.placeholders(e, SETTINGS, Map.of(name, Path.of("/tmp/x.pcap"))));
    // no port is opened here: host checks (the capture file, hugepages) are the run's business
    return ConfigValidator.validate(ConfigLoader.parse(yaml, name), port -> false);
  }

  @Test
  void l2RowPinsTheKnownDestinationsOnTheSink() {
    SwitchConfig cfg = rendered(IssueTargets.L2);
    List<SwitchConfig.StaticEntry> statics = cfg.fdb().entries();
    assertEquals(TrafficSpec.KNOWN_DESTINATIONS, statics.size());
    for (int k = 0; k < statics.size(); k++) {
      assertEquals(
          Frames.macText(TrafficSpec.knownDestination(k)), statics.get(k).mac().toLowerCase());
      assertEquals(10, statics.get(k).vlan());
      assertEquals("sink", statics.get(k).port());
    }
    assertEquals(List.of(), cfg.acls());
  }

  @Test
  void aclRowsHaveTheOvsRowsRules() {
    for (Map.Entry<String, Integer> row :
        Map.of(IssueTargets.L2_ACL300, 300, IssueTargets.L2_ACL10K, 10_000).entrySet()) {
      SwitchConfig cfg = rendered(row.getKey());
      assertEquals(TrafficSpec.KNOWN_DESTINATIONS, cfg.fdb().entries().size(), row.getKey());
      assertEquals(1, cfg.acls().size());
      SwitchConfig.Acl acl = cfg.acls().get(0);
      assertEquals("allow", acl.defaultAction());
      assertEquals(row.getValue(), acl.rules().size(), row.getKey());
      List<FiveTupleAcl.Rule> expected = FiveTupleAcl.rules(row.getValue());
      for (int k = 0; k < expected.size(); k += 97) {
        SwitchConfig.Rule r = acl.rules().get(k);
        assertEquals("deny", r.action());
        assertEquals(expected.get(k).srcPrefix(), r.srcIp());
        assertEquals(expected.get(k).dstHost(), r.dstIp());
        assertEquals(Integer.toString(expected.get(k).srcPort()), r.srcPort());
      }
      assertEquals(
          "fair",
          cfg.portGroups().stream()
              .filter(g -> g.name().equals("vlan10"))
              .findFirst()
              .orElseThrow()
              .acl()
              .ingress());
    }
  }

  @Test
  void conntrackRowTracksTheSameTrafficTheOvsRowSendsThroughCt() {
    SwitchConfig cfg = rendered("l2-fair-ct");
    assertEquals(TrafficSpec.KNOWN_DESTINATIONS, cfg.fdb().entries().size());
    SwitchConfig.Acl acl = cfg.acls().get(0);
    assertEquals("deny", acl.defaultAction());
    assertEquals(List.of("established", "related"), acl.rules().get(0).ctState());
    assertEquals(List.of("new"), acl.rules().get(1).ctState());
    BenchEntry ovs = entry("ovs-l2-fair-ct");
    assertEquals(true, ovs.ovs().conntrack());
    assertEquals(ovs.traffic(), entry("l2-fair-ct").traffic());
    assertEquals("ovs-l2-fair-ct", entry("l2-fair-ct").versus());
  }
}
