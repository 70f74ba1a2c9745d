package io.vswitch.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.testing.NetnsHost;
import io.vswitch.control.testing.SwitchProcess;
import io.vswitch.dataplane.stats.PortCounter;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Two real kernels (network namespaces) ping each other through the switch, over the laptop
 * fallback drivers: net_af_packet and net_af_xdp on the root side of veth pairs.
 */
class NetnsPingTest {
  @TempDir Path dir;

  @BeforeAll
  static void needsNamespaces() {
    Assumptions.assumeTrue(NetnsHost.available(), "needs root and iproute2");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "net_af_packet, ''",
    // busy_budget=0: veth has no busy-poll support; with the default, replies wait for the
    // socket's timeout (hundreds of milliseconds).
    "net_af_xdp, ',busy_budget=0'"
  })
  void hostsPingEachOtherOnlyThroughTheSwitch(String driver, String options) {
    String tag = Long.toString(ProcessHandle.current().pid() % 10000) + driver.charAt(7);
    try (NetnsHost h1 = NetnsHost.create(tag + "a", "10.99.1.1/24");
        NetnsHost h2 = NetnsHost.create(tag + "b", "10.99.1.2/24")) {
      assertFalse(h1.ping(h2.address(), 1), "hosts reach each other without the switch");

      String config =
          """
          workers: {cores: [-1], idle: backoff}
          ports:
            - {name: h1, devargs: "%s_%sa,iface=%s%s"}
            - {name: h2, devargs: "%s_%sb,iface=%s%s"}
          cross-connect: [[h1, h2]]
          """
              .formatted(
                  driver,
                  tag,
                  h1.switchInterface(),
                  options,
                  driver,
                  tag,
                  h2.switchInterface(),
                  options);
      try (SwitchProcess sw = SwitchProcess.start(dir, config).awaitRunning()) {
        // The first frames can be lost while the driver attaches (AF_XDP resets the link).
        boolean up = false;
        for (int i = 0; i < 20 && !up; i++) {
          up = h1.ping(h2.address(), 1);
        }
        assertTrue(up, "no ping got through:\n" + sw.output());
        assertTrue(h1.ping(h2.address(), 5), "5 pings h1 -> h2");
        assertTrue(h2.ping(h1.address(), 5), "5 pings h2 -> h1");
        assertTrue(sw.counter(0, PortCounter.RX_PACKETS) >= 10, sw.output());
        assertTrue(sw.counter(1, PortCounter.RX_PACKETS) >= 10, sw.output());
        assertEquals(0, sw.stop(), sw.output());
      }
      assertFalse(h1.ping(h2.address(), 1), "hosts still reach each other after the switch");
    }
  }
}
