package io.vswitch.perf.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ConntrackCountsTest {
  @Test
  void scrapeSumsZonesAndStatesAndCountsEstablished() {
    String scrape =
        """
        # HELP vswitch_conntrack_connections Live tracked connections
        # TYPE vswitch_conntrack_connections gauge
        vswitch_conntrack_connections{zone="10",state="REPLIED"} 1048000
        vswitch_conntrack_connections{zone="10",state="UNREPLIED"} 576
        vswitch_conntrack_connections{zone="20",state="ESTABLISHED"} 3
        vswitch_conntrack_connections{zone="20",state="SYN_SENT"} 0
        vswitch_conntrack_max_connections 2097152
        vswitch_conntrack_new_connections_total 1.048579E6
        vswitch_conntrack_other_total 99
        vswitch_port_rx_packets_total{port="gen"} 5
        """;
    ConntrackCounts c = ConntrackCounts.ofScrape(scrape);
    assertEquals(1_048_579, c.connections());
    assertEquals(1_048_003, c.established());
    assertEquals(1_048_579, c.created());
  }

  @Test
  void ovsCountsComeFromNconnsAndTheNewFlow() {
    String dump =
        " cookie=0x0, duration=4.1s, table=1, n_packets=123456, n_bytes=7407360,"
            + " priority=10,ct_state=+new+trk,ip actions=ct(commit,zone=10),NORMAL\n";
    ConntrackCounts c = ConntrackCounts.ofOvs("1048576\n", dump);
    assertEquals(1_048_576, c.connections());
    assertEquals(-1, c.established());
    assertEquals(123_456, c.created());
  }

  @Test
  void noteGivesBothEndsAndTheRate() {
    String note =
        ConntrackCounts.note(
            new ConntrackCounts(1_048_576, 1_048_576, 1_048_576),
            new ConntrackCounts(1_048_576, 1_048_570, 1_148_576),
            2.0);
    assertTrue(note.contains("1,048,576 at the window's start"), note);
    assertTrue(note.contains("(1,048,570 established)"), note);
    assertTrue(note.contains("50,000 new connections/s"), note);
  }
}
