package io.vswitch.control.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vswitch.control.testing.NetnsHost;
import org.junit.jupiter.api.Test;

/** The XDP_PASS link that keeps a veth peer from sending GSO frames to an afpacket port. */
class VethSegmentationTest {

  @Test
  void onlyPacketSocketsOnAVethNeedIt() {
    assertFalse(VethSegmentation.needed("net_af_xdp_a,iface=lo,start_queue=0,queue_count=1"));
    assertFalse(VethSegmentation.needed("net_pcap_a,iface=lo"));
    assertFalse(VethSegmentation.needed("net_af_packet_a,iface=lo"), "loopback has no peer");
    assertFalse(VethSegmentation.needed("net_af_packet_a,iface=nosuchif0"));
    assertFalse(VethSegmentation.needed("net_af_packet_a"));
  }

  /**
   * Attach takes TSO off the peer in its namespace; release (or the process dying) gives it back.
   */
  @Test
  void thePeerSegmentsWhileThePortHoldsTheLinkAndGetsItsTsoBackAfter() throws Exception {
    if (!NetnsHost.available()) {
      return;
    }
    try (NetnsHost host = hostWithDefaultOffloads("vs", "10.95.0.1/24")) {
      String devargs = afpacketOn(host);
      assertTrue(VethSegmentation.needed(devargs));
      assertEquals("on", host.offload("tcp-segmentation-offload"));
      VethSegmentation.prepare("p", devargs);
      try {
        assertTrue(VethSegmentation.attached("p"));
        assertTrue(host.switchSideHasXdp(), "an XDP program on our end");
        assertEquals("off", host.offload("tcp-segmentation-offload"), "peer TSO off");
        assertEquals("on", host.offload("tx-checksumming"), "checksum offload left on");
        VethSegmentation.prepare("p", devargs); // once per port: a second call changes nothing
      } finally {
        VethSegmentation.release("p");
      }
      assertFalse(VethSegmentation.attached("p"));
      assertFalse(host.switchSideHasXdp(), "detached on release");
      assertEquals("on", host.offload("tcp-segmentation-offload"), "peer TSO back");
      VethSegmentation.release("p"); // releasing twice is harmless
    }
  }

  /**
   * Two switches share a VM's veth while it moves: the second port finds the first one's program
   * there, waits (quietly, while the first holds it), and attaches once the first lets go, so the
   * peer never gets its TSO back while a port of ours reads the veth.
   */
  @Test
  void aPortThatFindsTheVethBusyAttachesOnceTheOtherProgramGoes() throws Exception {
    if (!NetnsHost.available()) {
      return;
    }
    try (NetnsHost host = hostWithDefaultOffloads("vw", "10.95.1.1/24")) {
      String devargs = afpacketOn(host);
      VethSegmentation.prepare("source", devargs);
      try {
        VethSegmentation.prepare("destination", devargs);
        assertTrue(VethSegmentation.attached("source"));
        assertFalse(VethSegmentation.attached("destination"), "the veth is the source's");
        assertTrue(VethSegmentation.waiting("destination"));
        VethSegmentation.retryWaiting();
        assertTrue(VethSegmentation.waiting("destination"), "still busy: still waiting");

        VethSegmentation.release("source");
        assertEquals("on", host.offload("tcp-segmentation-offload"), "a moment with TSO back");
        VethSegmentation.retryWaiting();
        assertTrue(VethSegmentation.attached("destination"), "attached once the source let go");
        assertFalse(VethSegmentation.waiting("destination"));
        assertTrue(host.switchSideHasXdp());
        assertEquals("off", host.offload("tcp-segmentation-offload"), "peer TSO off again");
      } finally {
        VethSegmentation.release("source");
        VethSegmentation.release("destination");
      }
      assertFalse(host.switchSideHasXdp(), "detached on release");

      // A port that closes while it waits stops waiting: nothing attaches behind its back.
      VethSegmentation.prepare("source", devargs);
      VethSegmentation.prepare("destination", devargs);
      VethSegmentation.release("destination");
      VethSegmentation.release("source");
      VethSegmentation.retryWaiting();
      assertFalse(VethSegmentation.attached("destination"));
      assertFalse(host.switchSideHasXdp(), "no program left after both closed");
    }
  }

  /** A namespace host behind a veth, its offloads as a kernel leaves them. */
  private static NetnsHost hostWithDefaultOffloads(String tag, String cidr) {
    return NetnsHost.createWithDefaultOffloads(
        "lt" + (ProcessHandle.current().pid() % 1000) + tag, cidr);
  }

  /** An afpacket port's devargs on the switch's end of {@code host}'s veth. */
  private static String afpacketOn(NetnsHost host) {
    return "net_af_packet_p,iface=" + host.switchInterface() + ",qpairs=1";
  }
}
