package io.vswitch.perf.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchEntryTest {
  @Test
  void rendersPlaceholders() {
    BenchEntry e =
        new BenchEntry("x", null, null, null, "cores: [${worker-core}]\ndev: \"${gen}\"\n");
    assertEquals(
        "cores: [1]\ndev: \"a,b=$1\"\n", e.render(Map.of("worker-core", "1", "gen", "a,b=$1")));
    assertEquals(List.of("sink"), e.measure());
    assertEquals(1, e.traffic().flows());
  }

  @Test
  void unknownPlaceholderIsAnError() {
    BenchEntry e = new BenchEntry("x", null, null, null, "a: ${nope}");
    assertThrows(IllegalArgumentException.class, () -> e.render(Map.of()));
  }

  @Test
  void countsGenerators() {
    assertEquals(2, new BenchEntry("x", null, null, null, "${gen} ${gen1}").generators());
    assertEquals(0, new BenchEntry("x", null, null, null, "${sink}").generators());
  }

  /** The shipped list loads, has unique names, and renders with the bench's placeholders. */
  @Test
  void shippedConfigurationsRender() {
    List<BenchEntry> entries = BenchEntry.load(Path.of("bench/configurations.yaml"));
    assertFalse(entries.isEmpty());
    assertEquals(entries.size(), entries.stream().map(BenchEntry::name).distinct().count());
    BenchSettings s =
        new BenchSettings(
            0, 1, 0, 64, 1, 1, true, 1024, Path.of("/tmp"), Path.of("/tmp"), List.of());
    for (BenchEntry e : entries) {
      if (e.isOvs()) {
        continue;
      }
      Map<String, Path> pcaps = Map.of(e.name(), Path.of("/tmp/x.pcap"));
      String yaml = e.render(VswitchRunner.placeholders(e, s, pcaps));
      assertFalse(yaml.contains("${"), e.name());
      assertTrue(yaml.contains("net_pcap0,rx_pcap=/tmp/x.pcap,infinite_rx=1"), e.name());
    }
  }

  /** Each switch row's "vs OVS" names an OVS row with the same traffic; the targets' rows exist. */
  @Test
  void shippedRowsPairWithOvsRowsOfTheSameTraffic() {
    List<BenchEntry> entries = BenchEntry.load(Path.of("bench/configurations.yaml"));
    Map<String, BenchEntry> byName = new HashMap<>();
    entries.forEach(e -> byName.put(e.name(), e));
    for (BenchEntry e : entries) {
      if (e.isOvs()) {
        assertNull(e.versus(), e.name());
        continue;
      }
      BenchEntry ovs = byName.get(e.versus());
      assertNotNull(ovs, e.name() + " versus " + e.versus());
      assertTrue(ovs.isOvs(), e.versus() + " is an OVS row");
      if (!e.versus().equals(ResultTable.OVS)) {
        assertEquals(ovs.traffic(), e.traffic(), e.name() + " and " + ovs.name());
      }
    }
    for (String row : IssueTargets.ROWS) {
      assertTrue(row.equals(ResultTable.TESTPMD_IO) || byName.containsKey(row), row);
    }
    assertEquals(0, byName.get(IssueTargets.OVS_L2).ovs().dropRules());
    assertTrue(byName.get(IssueTargets.OVS_L2).ovs().staticFdb());
    assertEquals(300, byName.get(IssueTargets.OVS_ACL300).ovs().dropRules());
    assertEquals(10_000, byName.get("ovs-l2-fair-acl10k").ovs().dropRules());
  }

  @Test
  void ovsRowTakesNoSwitchConfig() {
    BenchEntry.Ovs ovs = new BenchEntry.Ovs(true, 300, null);
    assertThrows(
        IllegalArgumentException.class,
        () -> new BenchEntry("o", null, null, null, "a: 1", null, ovs));
    BenchEntry o = new BenchEntry("o", null, null, null, null, null, ovs);
    assertTrue(o.isOvs());
    assertThrows(IllegalArgumentException.class, () -> new BenchEntry.Ovs(false, -1, null));
    assertEquals(0, new BenchEntry.Ovs(null, null, null).dropRules());
    assertEquals(false, new BenchEntry.Ovs(null, null, null).conntrack());
  }

  @Test
  void switchErrorLosesItsPrefixAndPath() {
    Path cfg = Path.of("/tmp/w/switch.yaml");
    assertEquals(
        "unknown key 'acl' (line 3)",
        VswitchRunner.reason(
            "vswitch: error: config /tmp/w/switch.yaml: /tmp/w/switch.yaml: unknown key 'acl'"
                + " (line 3)",
            cfg));
  }

  /** The connection rows: generator traffic, their OVS rows conntrack ones, sane settings. */
  @Test
  void connectionRowsAreGeneratorTrafficAgainstOvsCt() {
    Map<String, BenchEntry> byName = new HashMap<>();
    BenchEntry.load(Path.of("bench/configurations.yaml")).forEach(e -> byName.put(e.name(), e));
    BenchEntry est = byName.get(IssueTargets.CT_1M);
    assertEquals(1 << 20, est.traffic().connections().count());
    assertTrue(est.traffic().connections().replies());
    assertEquals(List.of("gen", "sink"), est.measure());
    BenchEntry fresh = byName.get(IssueTargets.CT_NEW);
    assertTrue(fresh.traffic().connections().newConnections());
    assertEquals(1, fresh.traffic().connections().udpTimeout());
    assertTrue(fresh.config().contains("udp-unreplied: 1"));
    for (String ovs : List.of(IssueTargets.OVS_CT_1M, IssueTargets.OVS_CT_NEW)) {
      assertTrue(byName.get(ovs).ovs().conntrack(), ovs);
    }
    assertThrows(
        IllegalArgumentException.class, () -> new BenchEntry.Connections(0, null, null, null));
    assertThrows(
        IllegalArgumentException.class, () -> new BenchEntry.Connections(10, null, "bytes", null));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new BenchEntry.Traffic(1, "unicast", new BenchEntry.Connections(10, null, null, null)));
  }
}
