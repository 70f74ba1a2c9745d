package io.vswitch.dataplane.l2.overlay;

import io.vswitch.dataplane.l2.BurstContext;
import io.vswitch.dataplane.l2.L2Tables;
import io.vswitch.dataplane.l2.Stage;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.worker.RxQueue;
import io.vswitch.ffm.Mbuf;
import io.vswitch.ffm.NativeMemory;
import java.lang.foreign.MemorySegment;

/**
 * Which tunnel ports may take a frame (every port's list while an overlay runs; after the egress
 * filter). Split horizon: a frame that came from a remote VTEP never goes to another (head-end
 * replication is a full mesh: every VTEP floods to all the others itself). A tunnel whose next
 * hop's MAC is unknown leaves the egress set (counted {@code vtep_unresolved}); this stage then
 * sends an ARP request for it out of the uplink, at most once a second per hop and worker, which
 * also refreshes a MAC learned more than {@link VtepNeighbors#REFRESH_SECONDS} ago. So the tunnel
 * ports' transmit only ever sees resolved tunnels. On a VTEP whose port is a team, the frames for
 * tunnels leave them all ({@code team_no_uplink}) while the team has no member this worker can send
 * by, and the ARP requests go out of the carrying member ({@link VxlanOverlay#carrier()}).
 */
public final class VxlanEgressStage extends Stage {
  private static final int ARP_FRAME = 60; // 42 bytes of ARP, padded to Ethernet's minimum

  private final MemorySegment pool;

  /** Per next hop, the FDB second this worker last asked for it. */
  private long[] asked = new long[0];

  public VxlanEgressStage(MemorySegment pool) {
    this.pool = pool;
  }

  @Override
  public void adopt(L2Tables tables, RxQueue[] queues, long tsc) {
    VtepNeighbors neighbors = tables.overlay().neighbors;
    int hops = neighbors == null ? 0 : neighbors.capacity(); // hops are appended live
    if (asked.length != hops) {
      asked = new long[hops];
    }
  }

  @Override
  public void run(BurstContext ctx) {
    VxlanOverlay overlay = ctx.tables.overlay();
    long tunnels = overlay.tunnelMask;
    boolean fromTunnel = (tunnels & (1L << ctx.ingressPort)) != 0;
    int carrier = overlay.carrier(); // once per burst: a failover takes effect at the next
    boolean noUplink = overlay.team != null && !VxlanOverlay.canSend(ctx, carrier);
    for (int live = ctx.live(); live != 0; live &= live - 1) {
      int i = Integer.numberOfTrailingZeros(live);
      long out = ctx.out[i];
      long toTunnels = out & tunnels;
      if (toTunnels == 0) {
        continue;
      }
      if (fromTunnel) {
        if (ctx.egress[i] >= 0) {
          ctx.drop(i, DropReason.VXLAN_SPLIT_HORIZON);
        } else {
          ctx.out[i] = out & ~tunnels;
        }
        continue;
      }
      if (noUplink) {
        int lost = Long.bitCount(toTunnels);
        if ((out & ~tunnels) == 0) {
          ctx.drop(i, DropReason.TEAM_NO_UPLINK);
          lost--;
        } else {
          ctx.out[i] = out & ~tunnels;
        }
        ctx.countDrops(DropReason.TEAM_NO_UPLINK, lost);
        continue;
      }
      int unresolved = 0;
      for (long t = toTunnels; t != 0; t &= t - 1) {
        int p = Long.numberOfTrailingZeros(t);
        int hop = overlay.tunnel(p).hop;
        if (overlay.neighbors.mac(hop) == 0) {
          out &= ~(1L << p);
          unresolved++;
          ask(ctx, overlay, hop, carrier);
        } else if (overlay.neighbors.stale(hop, ctx.seconds)) {
          ask(ctx, overlay, hop, carrier);
        }
      }
      if (unresolved == 0) {
        continue;
      }
      if (out == 0) {
        ctx.drop(i, DropReason.VTEP_UNRESOLVED);
        unresolved--;
      } else {
        ctx.out[i] = out;
      }
      ctx.countDrops(DropReason.VTEP_UNRESOLVED, unresolved);
    }
  }

  /**
   * An ARP request for next hop {@code hop}, broadcast out of the uplink (or the team's carrying
   * member), once a second.
   */
  private void ask(BurstContext ctx, VxlanOverlay overlay, int hop, int carrier) {
    if (asked[hop] == ctx.seconds || !VxlanOverlay.canSend(ctx, carrier)) {
      return;
    }
    asked[hop] = ctx.seconds;
    long mbuf = Mbuf.alloc(pool);
    if (mbuf == 0) {
      return;
    }
    Mbuf.setLength(mbuf, ARP_FRAME);
    long frame = Mbuf.dataAddress(mbuf);
    writeRequest(frame, overlay.localMac, overlay.localIp, overlay.neighbors.ip(hop));
    ctx.tx.add(carrier, mbuf, ARP_FRAME, false);
  }

  /** A broadcast who-has {@code targetIp} from ({@code mac}, {@code ip}), padded to 60 bytes. */
  static void writeRequest(long frame, long mac, int ip, int targetIp) {
    VxlanDecapStage.putMac(frame, 0xFFFF_FFFF_FFFFL);
    VxlanDecapStage.putMac(frame + 6, mac);
    NativeMemory.putShortBE(frame + 12, 0x0806);
    long arp = frame + 14;
    NativeMemory.putIntBE(arp, 0x0001_0800);
    NativeMemory.putIntBE(arp + 4, 0x0604_0001);
    VxlanDecapStage.putMac(arp + 8, mac);
    NativeMemory.putIntBE(arp + 14, ip);
    VxlanDecapStage.putMac(arp + 18, 0);
    NativeMemory.putIntBE(arp + 24, targetIp);
    for (int b = 42; b < ARP_FRAME; b++) {
      NativeMemory.putByte(frame + b, (byte) 0);
    }
  }
}
