package io.vswitch.ffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** EAL, pools and ports against the real DPDK, with virtual devices only. */
class EalTest {
  static Eal eal;
  static BitSet cpusBefore;

  @BeforeAll
  static void startEal() {
    cpusBefore = CpuAffinity.current();
    eal = Eal.init(EalOptions.virtualOnly(256).toArguments());
    Runtime.getRuntime().addShutdownHook(new Thread(eal::removeRuntimeDirectory));
  }

  @Test
  void initLeavesTheCallersCpuMaskAlone() {
    assertEquals(cpusBefore, CpuAffinity.current());
  }

  @Test
  void tscRuns() {
    long a = Eal.rdtsc();
    assertTrue(eal.tscHz() > 0);
    assertTrue(Eal.rdtsc() > a);
  }

  @Test
  void nullPortReceivesFromItsPoolAndReportsStats() throws Exception {
    try (Mempool pool = Mempool.create("ealtest", 1023, 0, Mempool.DEFAULT_DATA_ROOM);
        EthPort port = EthPort.open("net_null_ealtest,size=64", false)) {
      port.configure(1, 1, 256, 256, pool);
      port.start();
      assertTrue(port.link().up());
      assertEquals("net_null", port.info().driver());
      try (var arena = java.lang.foreign.Arena.ofConfined()) {
        var burst = arena.allocate(java.lang.foreign.ValueLayout.ADDRESS, 32);
        int n = EthPort.rxBurst(port.portId(), 0, burst, 32);
        assertEquals(32, n);
        assertEquals(32, pool.inUse());
        long first = burst.get(java.lang.foreign.ValueLayout.JAVA_LONG, 0);
        assertEquals(64, Mbuf.dataLength(first));
        assertEquals(64, Mbuf.packetLength(first));
        assertEquals(MbufLayout.HEADROOM, Mbuf.dataOffset(first));
        assertEquals(1, Mbuf.refCount(first));
        Mbuf.freeBulk(burst, n);
      }
      assertEquals(0, pool.inUse());
      assertEquals(32, port.stats().rxPackets());
    }
  }

  @Test
  void mbufsAreAllocatedGrownCopiedAndFreedThroughTheThinLayer() {
    try (Mempool pool = Mempool.create("mbuftest", 63, 0, Mempool.DEFAULT_DATA_ROOM);
        var arena = java.lang.foreign.Arena.ofConfined()) {
      long m = Mbuf.alloc(pool.segment());
      assertNotEquals(0, m);
      long data = Mbuf.append(m, 60);
      assertEquals(Mbuf.dataAddress(m), data);
      assertEquals(60, Mbuf.packetLength(m));
      assertEquals(0, Mbuf.append(m, Mempool.DEFAULT_DATA_ROOM), "past the tailroom");
      assertEquals(60, Mbuf.dataLength(m), "a refused append changes nothing");
      NativeMemory.ALL.set(java.lang.foreign.ValueLayout.JAVA_BYTE, data + 59, (byte) 0x5a);

      long copy = Mbuf.copy(m, pool.segment());
      assertNotEquals(m, copy);
      assertEquals(60, Mbuf.packetLength(copy));
      assertEquals(
          (byte) 0x5a,
          NativeMemory.ALL.get(
              java.lang.foreign.ValueLayout.JAVA_BYTE, Mbuf.dataAddress(copy) + 59));
      assertEquals(2, pool.inUse());

      var burst = arena.allocate(java.lang.foreign.ValueLayout.ADDRESS, 64);
      assertTrue(Mbuf.allocBulk(pool.segment(), burst, 61));
      assertEquals(63, pool.inUse());
      assertTrue(!Mbuf.allocBulk(pool.segment(), burst.asSlice(61 * 8L), 1), "pool is empty");
      assertEquals(0, Mbuf.alloc(pool.segment()));
      assertEquals(0, Mbuf.copy(m, pool.segment()));
      burst.setAtIndex(java.lang.foreign.ValueLayout.JAVA_LONG, 61, m);
      burst.setAtIndex(java.lang.foreign.ValueLayout.JAVA_LONG, 62, copy);
      Mbuf.freeBulk(burst, 63);
      assertEquals(0, pool.inUse());
    }
  }

  @Test
  void rejectedDevargsGiveOneLineError() {
    DpdkException e =
        assertThrows(DpdkException.class, () -> EthPort.open("net_nosuchdriver0", false));
    assertTrue(e.getMessage().contains("net_nosuchdriver0"), e.getMessage());
    assertEquals(-1, e.getMessage().indexOf('\n'));
  }

  @Test
  void sameDeviceTwiceIsInUse() {
    try (EthPort first = EthPort.open("net_null_twice", false)) {
      DpdkException e =
          assertThrows(DpdkException.class, () -> EthPort.open("net_null_twice,size=128", false));
      assertTrue(e.getMessage().contains("already in use"), e.getMessage());
      assertNotEquals(-1, first.portId());
    }
  }

  @Test
  void closedDeviceCanBeProbedAgain() {
    EthPort.open("net_null_again", false).close();
    EthPort.open("net_null_again", false).close();
  }

  @Test
  void pciAddressesAreToldFromVirtualDevices() {
    assertTrue(EthPort.isPciDevargs("0000:3b:00.0"));
    assertTrue(EthPort.isPciDevargs("3b:00.1,rx_low_latency=1"));
    assertEquals(false, EthPort.isPciDevargs("net_null0"));
    assertEquals(false, EthPort.isPciDevargs("net_af_xdp0,iface=eth0"));
  }
}
