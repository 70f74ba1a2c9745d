package io.vswitch.perf.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** What the runner reads from OVS 3.1's tools, on their real output. */
class OvsOutputTest {
  @Test
  void liveTxCounterOfTheSink() {
    String dump =
        """
        OFPST_PORT reply (xid=0x4): 1 ports
          port  1: rx pkts=0, bytes=0, drop=0, errs=0, frame=?, over=?, crc=?
                   tx pkts=6942773, bytes=0, drop=0, errs=0, coll=?
        """;
    assertEquals(6_942_773L, OvsOutput.txPackets(dump));
    assertThrows(IllegalStateException.class, () -> OvsOutput.txPackets("ovs-ofctl: no"));
  }

  @Test
  void flowCountFromDumpAggregate() {
    assertEquals(
        301,
        OvsOutput.flowCount(
            "NXST_AGGREGATE reply (xid=0x4): packet_count=10669038 byte_count=640142280"
                + " flow_count=301\n"));
  }

  @Test
  void megaflowsAreTheDatapathFlowLines() {
    String dump =
        """
        flow-dump from pmd on cpu core: 1
        recirc_id(0),in_port(3),packet_type(ns=0,id=0),eth(src=02:00:00:00:02:1c,dst=02:00:ff:ff:fe:00),eth_type(0x0800),ipv4(dst=10.1.0.1/128.0.0.0,frag=no), packets:11570, bytes:694200, used:0.005s, actions:push_vlan(vid=10,pcp=0),1
        recirc_id(0),in_port(3),packet_type(ns=0,id=0),eth(src=02:00:00:00:02:1d,dst=02:00:ff:ff:fe:01),eth_type(0x0800),ipv4(dst=10.1.0.1/128.0.0.0,frag=no), packets:11570, bytes:694200, used:0.005s, actions:push_vlan(vid=10,pcp=0),1
        """;
    assertEquals(2, OvsOutput.megaflows(dump));
  }

  @Test
  void pmdStatsOfThePmdThreadOnly() {
    String show =
        """
        pmd thread numa_id 0 core_id 1:
          packets received: 3898272
          packet recirculations: 0
          avg. datapath passes per packet: 1.00
          emc hits: 3894449
          smc hits: 0
          megaflow hits: 3823
          avg. subtable lookups per megaflow hit: 1.00
          miss with success upcall: 0
          miss with failed upcall: 0
          avg. packets per output batch: 32.00
          idle cycles: 0 (0.00%)
          processing cycles: 5289551489 (100.00%)
          avg cycles per packet: 1356.90 (5289551489/3898272)
          avg processing cycles per packet: 1356.90 (5289551489/3898272)
        main thread:
          packets received: 5
          emc hits: 5
        """;
    OvsOutput.PmdStats s = OvsOutput.PmdStats.parse(show);
    assertEquals(3_898_272L, s.packets());
    assertEquals(3_894_449L, s.emc());
    assertEquals(3823, s.megaflow());
    assertEquals(0, s.upcalls());
    assertEquals(1356.90, s.cycles(), 1e-9);
    assertTrue(s.summary().contains("EMC 99.9%"), s.summary());
    assertTrue(s.summary().contains("OVS's pmd-stats 1357 cyc/pkt"), s.summary());
  }
}
