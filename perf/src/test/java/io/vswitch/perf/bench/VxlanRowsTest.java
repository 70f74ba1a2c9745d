package io.vswitch.perf.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.config.ConfigLoader;
import io.vswitch.control.config.ConfigValidator;
import io.vswitch.control.config.SwitchConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The VXLAN rows: each switch row against its OVS row with the same traffic, the decap config one
 * the switch accepts, OVS's datapath flows read right (encapsulated or popped, or a failure), and
 * the encap+decap figures.
 */
class VxlanRowsTest {
  private static final double TSC = 2.0e9;

  private static BenchEntry entry(String name) {
    return BenchEntry.load(Path.of("bench/configurations.yaml")).stream()
        .filter(x -> x.name().equals(name))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void rowsPairWithTheirOvsRows() {
    assertEquals(VxlanFigures.OVS_ENCAP, entry(VxlanFigures.ENCAP).versus());
    assertEquals(VxlanFigures.OVS_DECAP, entry(VxlanFigures.DECAP).versus());
    assertEquals("encap", entry(VxlanFigures.OVS_ENCAP).ovs().vxlan());
    assertEquals("decap", entry(VxlanFigures.OVS_DECAP).ovs().vxlan());
    assertEquals("vxlan", entry(VxlanFigures.DECAP).traffic().encap());
    assertEquals("none", entry(VxlanFigures.ENCAP).traffic().encap());
    assertEquals(List.of("sink"), entry(VxlanFigures.DECAP).measure());
    assertNull(new BenchEntry.Ovs(null, null, null).vxlan());
    assertThrows(IllegalArgumentException.class, () -> new BenchEntry.Ovs(null, null, null, "gre"));
  }

  @Test
  void decapConfigIsAVtepOnTheGeneratorWithTheDestinationsOnTheSink() {
    BenchEntry e = entry(VxlanFigures.DECAP);
    BenchSettings s =
        new BenchSettings(
            0, 1, 0, 64, 1, 1, true, 512, Path.of("/tmp"), Path.of("/tmp"), List.of());
    String yaml =
        e.render(VswitchRunner.placeholders(e, s, Map.of(e.name(), Path.of("/tmp/x.pcap"))));
    SwitchConfig cfg = ConfigValidator.validate(ConfigLoader.parse(yaml, e.name()), p -> false);
    assertEquals(4, cfg.fdb().entries().size());
    cfg.fdb().entries().forEach(x -> assertEquals("sink", x.port()));
    assertTrue(yaml.contains("vtep: {port: uplink, address: 192.0.2.1/24}"), yaml);
    assertTrue(yaml.contains("{name: uplink, devargs: \"net_pcap0"), yaml);
  }

  private static final String ENCAP_DUMP =
      """
      flow-dump from pmd on cpu core: 1
      recirc_id(0),in_port(5),eth(src=02:00:00:00:00:21,dst=02:00:ff:ff:fe:00),eth_type(0x0800),\
      ipv4(frag=no), packets:900, bytes:54000, used:0.001s, actions:tnl_push(tnl_port(3),\
      header(size=50,type=4,eth(dst=52:54:00:00:00:02,src=02:00:c0:00:02:01,dl_type=0x0800),\
      ipv4(src=192.0.2.1,dst=192.0.2.2,proto=17,tos=0,ttl=64,frag=0x4000),\
      udp(src=0,dst=4789,csum=0x0),vxlan(flags=0x8000000,vni=0x1389)),out_port(1)),4
      recirc_id(0),in_port(1),eth(src=02:00:c0:00:02:01,dst=33:33:00:00:00:16),eth_type(0x86dd),\
      ipv6(frag=no), packets:3, bytes:270, used:3.023s, actions:4
      """;

  @Test
  void encapNeedsNearlyEveryPacketPushedWithVni5001() {
    assertTrue(OvsVxlan.verifyDump(ENCAP_DUMP, "encap").startsWith("99.7%"));
    assertThrows(
        IllegalStateException.class,
        () -> OvsVxlan.verifyDump(ENCAP_DUMP.replace("vni=0x1389", "vni=0x1388"), "encap"));
    assertThrows(
        IllegalStateException.class,
        () -> OvsVxlan.verifyDump(ENCAP_DUMP.replace("packets:900", "packets:9"), "encap"),
        "a quarter of the packets not encapsulated");
    assertThrows(IllegalStateException.class, () -> OvsVxlan.verifyDump("", "encap"));
  }

  @Test
  void decapNeedsThePopAndTheInnerFramesOfTheSegment() {
    String pop =
        "recirc_id(0),in_port(2),eth(dst=02:00:c0:00:02:01),eth_type(0x0800),"
            + "ipv4(dst=192.0.2.1,proto=17,frag=no),udp(dst=4789), packets:1000, bytes:1, "
            + "used:0.0s, actions:tnl_pop(3)\n";
    String inner =
        "tunnel(tun_id=0x1389,src=192.0.2.2,dst=192.0.2.1,flags(-df-csum+key)),recirc_id(0),"
            + "in_port(3),eth(src=02:00:00:00:00:47,dst=02:00:ff:ff:fe:02), packets:1000, "
            + "bytes:1, used:0.003s, actions:4\n";
    assertTrue(OvsVxlan.verifyDump(pop + inner, "decap").startsWith("100.0%"));
    assertThrows(IllegalStateException.class, () -> OvsVxlan.verifyDump(pop, "decap"));
    assertThrows(
        IllegalStateException.class,
        () -> OvsVxlan.verifyDump(pop.replace("tnl_pop(3)", "4") + inner, "decap"));
    assertThrows(
        IllegalStateException.class,
        () -> OvsVxlan.verifyDump(pop + inner.replace("tun_id=0x1389", "tun_id=0x1"), "decap"));
  }

  private static Measurement row(String name, double mpps) {
    return Measurement.ok(name, mpps, 0, "n").withCpu(1.0, TSC);
  }

  @Test
  void encapPlusDecapIsOneCoreDoingBoth() {
    List<Measurement> rows =
        List.of(
            row(VxlanFigures.OVS_ENCAP, 4),
            row(VxlanFigures.ENCAP, 8), // 250 cycles
            row(VxlanFigures.OVS_DECAP, 2),
            row(VxlanFigures.DECAP, 8)); // 250 cycles
    assertEquals(4.0, VxlanFigures.combinedMpps(rows.get(1), rows.get(3)), 1e-9);
    assertEquals(500, VxlanFigures.combinedCycles(rows.get(1), rows.get(3)), 1e-9);
    IssueTargets.Result r = VxlanFigures.result(rows);
    assertNull(r.pass(), "no target in the issue");
    assertTrue(r.actual().startsWith("encap 2.00x"), r.actual());
    assertTrue(r.actual().contains("decap 4.00x"), r.actual());
    // OVS: 1/(1/4 + 1/2) = 1.33 Mpps; vswitch 4: 3.00x; cycles 500+1000 / 500
    assertTrue(r.actual().contains("encap+decap 3.00x (vswitch 4.00 / OVS 1.33"), r.actual());
    assertTrue(r.actual().contains("per cycle 3.00x (1500 / 500 cyc/pkt)"), r.actual());
    assertTrue(r.line().startsWith("  info"), r.line());
    List<Measurement> noted = VxlanFigures.annotate(rows);
    assertTrue(noted.get(3).note().startsWith("vswitch encap+decap 4.00 Mpps per core"));
    assertTrue(noted.get(3).note().contains("3.00x"), noted.get(3).note());
    assertTrue(noted.get(2).note().startsWith("OVS encap+decap 1.33 Mpps per core (1500"));
    assertEquals("n", noted.get(0).note());
    IssueTargets.Result missing = VxlanFigures.result(rows.subList(0, 3));
    assertNull(missing.pass());
    assertTrue(missing.line().startsWith("  n/a"), missing.line());
    // without the switch's decap row only OVS has its figure
    List<Measurement> partial = VxlanFigures.annotate(rows.subList(0, 3));
    assertEquals(rows.subList(0, 2), partial.subList(0, 2));
    assertTrue(partial.get(2).note().startsWith("OVS encap+decap"), partial.get(2).note());
  }
}
