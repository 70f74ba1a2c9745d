package io.vswitch.control.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.testing.NetnsHost;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * An afpacket port whose DPDK fanout group another process's socket holds on another interface is
 * refused with the cause, before DPDK fails it with "Operation not permitted" (seen in CI: two
 * switches on one host whose pid xor ifindex met).
 */
class FanoutGroupsTest {
  private static final String ON_LOOPBACK = "net_af_packet_p,iface=lo,qpairs=1";

  @Test
  void aGroupHeldOnAnotherInterfaceRefusesThePortAndSaysWhatToDo() throws Throwable {
    if (!NetnsHost.available()) {
      return;
    }
    int group = FanoutGroups.dpdkGroup(ProcessHandle.current().pid(), ifindex("lo"));
    try (NetnsHost host =
        NetnsHost.create("fg" + (ProcessHandle.current().pid() % 1000) + "vs", "10.96.0.1/24")) {
      int other = ifindex(host.switchInterface());
      int holder = FanoutGroups.hold(other, group);
      assertTrue(holder >= 0, "the test holds the group on the veth (errno " + -holder + ")");
      try {
        ConfigException refused =
            assertThrows(ConfigException.class, () -> FanoutGroups.requireFree("p", ON_LOOPBACK));
        assertTrue(
            refused.getMessage().contains("PACKET_FANOUT group " + group)
                && refused.getMessage().contains("restart vswitch"),
            refused.getMessage());
      } finally {
        Libc.close(holder);
      }
      FanoutGroups.requireFree("p", ON_LOOPBACK); // free again once the holder has gone

      // The probe leaves nothing behind: the veth can take the group right after it.
      int after = FanoutGroups.hold(other, group);
      assertTrue(after >= 0, "the probe left the group (errno " + -after + ")");
      Libc.close(after);
    }
  }

  /**
   * Two switches starting at once: the group was free when the port was readied and another process
   * took it before DPDK opened the port. DPDK's refusal is then explained as the probe's.
   */
  @Test
  void aFailedOpenIsExplainedByAGroupTakenSinceTheProbe() throws Throwable {
    if (!NetnsHost.available()) {
      return;
    }
    SwitchConfig config =
        ConfigValidator.validate(
            ConfigLoader.parse(
                "ports:\n  - {name: p, type: afpacket, iface: lo}\n", "fanout.yaml"));
    RuntimeException dpdk = new IllegalStateException("DPDK rejected port 'net_af_packet_p'");
    assertSame(
        dpdk,
        PortPreparation.explainFailedOpen(config.ports(), dpdk),
        "a free group explains nothing: DPDK's own words stay");
    int group = FanoutGroups.dpdkGroup(ProcessHandle.current().pid(), ifindex("lo"));
    try (NetnsHost host =
        NetnsHost.create("fe" + (ProcessHandle.current().pid() % 1000) + "vs", "10.96.1.1/24")) {
      int holder = FanoutGroups.hold(ifindex(host.switchInterface()), group);
      assertTrue(holder >= 0, "errno " + -holder);
      try {
        RuntimeException why = PortPreparation.explainFailedOpen(config.ports(), dpdk);
        assertTrue(why instanceof ConfigException, String.valueOf(why));
        assertTrue(
            why.getMessage().contains("port 'p'")
                && why.getMessage().contains("another process holds that group"),
            why.getMessage());
        assertSame(dpdk, why.getSuppressed()[0], "DPDK's failure goes with it");
      } finally {
        Libc.close(holder);
      }
    }
  }

  @Test
  void aGroupHeldOnTheSameInterfaceIsOneThePortCanJoin() throws Throwable {
    if (!NetnsHost.available()) {
      return;
    }
    int group = FanoutGroups.dpdkGroup(ProcessHandle.current().pid(), ifindex("lo"));
    int holder = FanoutGroups.hold(ifindex("lo"), group);
    assertTrue(holder >= 0, "errno " + -holder);
    try {
      FanoutGroups.requireFree("p", ON_LOOPBACK);
    } finally {
      Libc.close(holder);
    }
  }

  @Test
  void otherDriversAndMissingInterfacesAreNotItsBusiness() {
    FanoutGroups.requireFree("p", "net_af_xdp_p,iface=lo");
    FanoutGroups.requireFree("p", "net_af_packet_p,iface=nosuchif0");
    FanoutGroups.requireFree("p", "net_af_packet_p");
    assertEquals(0x1234 ^ 7, FanoutGroups.dpdkGroup(0x51234, 7), "the low 16 bits of pid^ifindex");
  }

  private static int ifindex(String iface) throws Exception {
    return Integer.parseInt(Files.readString(Path.of("/sys/class/net", iface, "ifindex")).strip());
  }
}
