package io.vswitch.perf.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class TestpmdRunnerTest {
  @Test
  void readsTxPpsOfOnePort() {
    List<String> out =
        List.of(
            "  ######################## NIC statistics for port 0  ########################",
            "  Rx-pps:     70033246          Rx-bps:  33615958224",
            "  Tx-pps:            0          Tx-bps:            0",
            "  ######################## NIC statistics for port 1  ########################",
            "  Rx-pps:            0          Rx-bps:            0",
            "  Tx-pps:     69999999          Tx-bps:  33599999520",
            "\u001b[2J\u001b[1;1H",
            "  ######################## NIC statistics for port 0  ########################",
            "  Tx-pps:            5          Tx-bps:            0",
            "  ######################## NIC statistics for port 1  ########################",
            "  Tx-pps:     71000000          Tx-bps:            0");
    assertEquals(List.of(69999999L, 71000000L), TestpmdRunner.txPps(out, 1));
    assertEquals(List.of(0L, 5L), TestpmdRunner.txPps(out, 0));
  }
}
