package io.vswitch.dataplane.l2.overlay;

import io.vswitch.dataplane.packet.PacketBatch;
import io.vswitch.dataplane.port.Port;
import io.vswitch.dataplane.port.PortDeviceStats;
import io.vswitch.ffm.Mbuf;
import java.lang.foreign.MemorySegment;
import java.util.function.Supplier;

/**
 * A tunnel port: one remote VTEP of one segment, a port slot of the tables like any other (an
 * access port on the segment's VLAN), so the FDB learns remote MACs against it and floods include
 * it. It receives nothing itself ({@link VxlanDecapStage} hands it the frames decapsulated on the
 * uplink); its transmit encapsulates each frame ({@link VxlanTunnel}) and sends the burst on the
 * uplink's transmit queue of the same worker (queue i belongs to worker i on every port, so no
 * lock); on a VTEP whose port is a team, the carrying member's ({@link VtepUplink}). An mbuf this
 * worker holds alone gets the 50 bytes in its headroom, in place; one shared by a flood (reference
 * count above 1: other ports still send it) is copied first, so the others' frames are not touched.
 */
public final class VxlanPort implements Port {
  private final String name;
  private final int index;
  private final int workers;
  private final VxlanTunnel tunnel;
  private final VtepNeighbors neighbors;
  private final Supplier<Port> uplink;
  private final MemorySegment pool;

  /** Per transmit queue (worker), the encapsulated burst. */
  private final long[][] scratch;

  /**
   * @param uplink the VTEP's port as it is now (it may be reopened while the tunnel stays)
   */
  public VxlanPort(
      String name,
      int index,
      int workers,
      VxlanTunnel tunnel,
      VtepNeighbors neighbors,
      Supplier<Port> uplink,
      MemorySegment pool) {
    this.name = name;
    this.index = index;
    this.workers = workers;
    this.tunnel = tunnel;
    this.neighbors = neighbors;
    this.uplink = uplink;
    this.pool = pool;
    this.scratch = new long[workers][PacketBatch.MAX_BURST];
  }

  public VxlanTunnel tunnel() {
    return tunnel;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int index() {
    return index;
  }

  @Override
  public int rxQueueCount() {
    return 0;
  }

  @Override
  public int txQueueCount() {
    return workers;
  }

  @Override
  public int receive(int queue, PacketBatch batch) {
    return 0;
  }

  @Override
  public int transmit(int queue, PacketBatch batch) {
    Port up = uplink.get();
    long nextHop = neighbors.mac(tunnel.hop);
    if (up == null || nextHop == 0) { // VxlanEgressStage keeps unresolved tunnels out: a race
      batch.freeAll();
      return 0;
    }
    long[] out = scratch[queue];
    int kept = 0;
    for (int i = 0; i < batch.count(); i++) {
      long m = encapsulate(batch.mbuf(i), nextHop);
      if (m != 0) {
        out[kept++] = m;
      }
    }
    batch.load(out, kept);
    return up.transmit(queue, batch);
  }

  /** The frame with its outer headers, in place or in a copy; 0 (and freed) if neither fits. */
  long encapsulate(long mbuf, long nextHop) {
    int inner = Mbuf.packetLength(mbuf);
    if (Mbuf.refCount(mbuf) == 1) {
      long at = Mbuf.prepend(mbuf, VxlanTunnel.HEADER_BYTES);
      if (at != 0) {
        tunnel.write(at, inner, nextHop);
        return mbuf;
      }
    }
    long copy = Mbuf.copy(mbuf, pool);
    Mbuf.free(mbuf); // this port's reference
    if (copy == 0) {
      return 0;
    }
    long at = Mbuf.prepend(copy, VxlanTunnel.HEADER_BYTES);
    if (at == 0) {
      Mbuf.free(copy);
      return 0;
    }
    tunnel.write(at, inner, nextHop);
    return copy;
  }

  @Override
  public void start() {}

  @Override
  public void stop() {}

  @Override
  public PortDeviceStats deviceStats() {
    return new PortDeviceStats(0, 0, 0, 0, 0, 0);
  }

  @Override
  public void close() {}
}
