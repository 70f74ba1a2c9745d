package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.ffm.Mbuf;
import java.lang.foreign.MemorySegment;

/**
 * Decides which mbuf each egress port gets, copying as little as possible. A VLAN's frame leaves a
 * port in one of two encapsulations (tagged or untagged), so the ports that want the frame as it
 * came share the original through its reference count, and the ports that want the other one share
 * one copy, made here (before anything rewrites the original). When no port wants it as it came,
 * the original itself is rewritten, and nothing is copied: a unicast never copies.
 */
public final class ReplicateStage extends Stage {
  private final MemorySegment pool;

  /**
   * @param pool where copies come from
   */
  public ReplicateStage(MemorySegment pool) {
    this.pool = pool;
  }

  @Override
  public void run(BurstContext ctx) {
    L2Tables tables = ctx.tables;
    for (int live = ctx.undecided(); live != 0; live &= live - 1) {
      int i = Integer.numberOfTrailingZeros(live);
      long out = ctx.out[i];
      if (out == 0) {
        ctx.drop(i, DropReason.NO_EGRESS);
        continue;
      }
      long taggedPorts = tables.taggedMask(ctx.vlan[i]);
      long same = ctx.tag[i] != 0 ? out & taggedPorts : out & ~taggedPorts;
      long other = out & ~same;
      if (same == 0) {
        ctx.retagged |= 1 << i;
      } else if (other != 0) {
        long copy = Mbuf.copy(ctx.mbuf[i], pool);
        if (copy != 0) {
          ctx.copy[i] = copy;
          ctx.copyOut[i] = other;
          ctx.copies |= 1 << i;
        } else {
          ctx.countDrops(DropReason.NO_MBUF, Long.bitCount(other));
        }
        ctx.out[i] = same;
      }
    }
  }
}
