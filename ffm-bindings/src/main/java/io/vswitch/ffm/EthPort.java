package io.vswitch.ffm;

import io.vswitch.ffm.raw.vs_link_info;
import io.vswitch.ffm.raw.vs_port_info;
import io.vswitch.ffm.raw.vs_port_stats;
import io.vswitch.ffm.raw.vswitch_shim_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * One DPDK ethdev, created from any devargs string: a PCI address ("0000:3b:00.0") or a virtual
 * device ("net_pcap0,rx_pcap=in.pcap", "net_af_xdp0,iface=veth1"). Owns the device from probe to
 * remove; the control path uses this class, the data path only its port id.
 */
public final class EthPort implements AutoCloseable {
  private final String devargs;
  private final int portId;
  private boolean started;
  private boolean closed;

  private EthPort(String devargs, int portId) {
    this.devargs = devargs;
    this.portId = portId;
  }

  /**
   * True for a PCI device ("0000:3b:00.0" or "3b:00.0", options after a comma): EAL must scan the
   * PCI bus for it, and is given it with -a so that it probes no other NIC.
   */
  public static boolean isPciDevargs(String devargs) {
    return deviceName(devargs).matches("([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]");
  }

  /**
   * Probes the device named by {@code devargs} and returns its port. A device that EAL already
   * probed at start-up (a PCI device given with -a) is looked up instead when {@code allowExisting}
   * is set; otherwise an existing device means the port is in use.
   */
  public static EthPort open(String devargs, boolean allowExisting) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment id = arena.allocate(ValueLayout.JAVA_SHORT);
      int ret = vswitch_shim_h.vs_port_probe(arena.allocateFrom(devargs), id);
      if (ret == -17 /* EEXIST */ && allowExisting) {
        return new EthPort(devargs, Short.toUnsignedInt(id.get(ValueLayout.JAVA_SHORT, 0)));
      }
      if (ret == -17) {
        throw new DpdkException(
            "port '"
                + deviceName(devargs)
                + "' is already in use: give each port its own device"
                + " name (net_pcap0, net_pcap1, ...)",
            17);
      }
      if (ret < 0) {
        throw DpdkException.of(
            "DPDK rejected port '" + devargs + "'",
            ret,
            "check the driver name and its arguments, and that the interface or file exists;"
                + " DPDK's log above says which");
      }
      return new EthPort(devargs, Short.toUnsignedInt(id.get(ValueLayout.JAVA_SHORT, 0)));
    }
  }

  /** The ethdev name: the devargs up to the first comma. */
  public static String deviceName(String devargs) {
    int comma = devargs.indexOf(',');
    return comma < 0 ? devargs : devargs.substring(0, comma);
  }

  public int portId() {
    return portId;
  }

  /**
   * Fast path: receives up to {@code max} mbufs from queue {@code queue} of port {@code portId}
   * into an array of mbuf pointers; returns how many. Static and keyed by the port id, so a worker
   * holds no reference to this control-path object.
   */
  public static int rxBurst(int portId, int queue, MemorySegment mbufs, int max) {
    return Short.toUnsignedInt(
        vswitch_shim_h.vs_rx_burst((short) portId, (short) queue, mbufs, (short) max));
  }

  /**
   * Fast path: transmits the first {@code n} mbufs of the array on queue {@code queue} of port
   * {@code portId} and frees those the queue did not take; returns how many it took. The caller
   * owns none of the {@code n} afterwards.
   */
  public static int txBurstOrFree(int portId, int queue, MemorySegment mbufs, int n) {
    return Short.toUnsignedInt(
        vswitch_shim_h.vs_tx_burst_or_free((short) portId, (short) queue, mbufs, (short) n));
  }

  public String devargs() {
    return devargs;
  }

  /**
   * Configures {@code rxQueues} receive queues that take mbufs from {@code pool}, {@code txQueues}
   * transmit queues, and ring sizes; RSS spreads flows over the receive queues when there is more
   * than one and the device can.
   */
  public void configure(
      int rxQueues, int txQueues, int rxDescriptors, int txDescriptors, Mempool pool) {
    int ret =
        vswitch_shim_h.vs_port_configure(
            (short) portId,
            (short) rxQueues,
            (short) txQueues,
            (short) rxDescriptors,
            (short) txDescriptors,
            pool.segment(),
            1);
    check(ret, "configure " + rxQueues + " rx / " + txQueues + " tx queues", "fewer queues?");
  }

  public void start() {
    check(vswitch_shim_h.vs_port_start((short) portId), "start", "");
    started = true;
  }

  public void stop() {
    if (started) {
      started = false;
      check(vswitch_shim_h.vs_port_stop((short) portId), "stop", "");
    }
  }

  public void setPromiscuous(boolean enabled) {
    check(vswitch_shim_h.vs_port_promiscuous((short) portId, enabled ? 1 : 0), "promiscuous", "");
  }

  public PortStats stats() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment s = vs_port_stats.allocate(arena);
      check(vswitch_shim_h.vs_port_stats((short) portId, s), "read stats", "");
      return new PortStats(
          vs_port_stats.ipackets(s),
          vs_port_stats.opackets(s),
          vs_port_stats.ibytes(s),
          vs_port_stats.obytes(s),
          vs_port_stats.imissed(s),
          vs_port_stats.ierrors(s),
          vs_port_stats.oerrors(s),
          vs_port_stats.rx_nombuf(s));
    }
  }

  public LinkStatus link() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment l = vs_link_info.allocate(arena);
      check(vswitch_shim_h.vs_port_link((short) portId, l), "read link", "");
      return new LinkStatus(
          vs_link_info.up(l) != 0,
          Integer.toUnsignedLong(vs_link_info.speed_mbps(l)),
          vs_link_info.full_duplex(l) != 0);
    }
  }

  public PortInfo info() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment i = vs_port_info.allocate(arena);
      check(vswitch_shim_h.vs_port_info((short) portId, i), "read info", "");
      return new PortInfo(
          vs_port_info.driver_name(i).getString(0, StandardCharsets.US_ASCII),
          vs_port_info.mac(i).toArray(ValueLayout.JAVA_BYTE),
          Short.toUnsignedInt(vs_port_info.max_rx_queues(i)),
          Short.toUnsignedInt(vs_port_info.max_tx_queues(i)),
          vs_port_info.socket_id(i));
    }
  }

  /** Stops the port (if started), closes it and removes the device. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      stop();
    } finally {
      check(vswitch_shim_h.vs_port_close_and_remove((short) portId), "close", "");
    }
  }

  private void check(int ret, String what, String hint) {
    if (ret < 0) {
      throw DpdkException.of("port '" + deviceName(devargs) + "': " + what, ret, hint);
    }
  }

  /** Counters as the device keeps them. */
  public record PortStats(
      long rxPackets,
      long txPackets,
      long rxBytes,
      long txBytes,
      long rxMissed,
      long rxErrors,
      long txErrors,
      long rxNoMbuf) {}

  public record LinkStatus(boolean up, long speedMbps, boolean fullDuplex) {}

  public record PortInfo(
      String driver, byte[] mac, int maxRxQueues, int maxTxQueues, int numaSocket) {}
}
