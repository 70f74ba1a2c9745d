package io.vswitch.dataplane.l2;

import io.vswitch.dataplane.qos.Policer;
import io.vswitch.dataplane.qos.PolicerSpec;
import io.vswitch.dataplane.stats.DropReason;
import io.vswitch.dataplane.worker.RxQueue;

/**
 * Ingress policing: each frame coloured by the policer of its port and receive queue (this worker's
 * share of the configured rate); red frames dropped or remarked, per the policer's exceed action.
 * The buckets are refilled once per burst, at the pass's TSC time.
 *
 * <p>The policers are this stage's state, per worker, not in the immutable tables: when new tables
 * or a new plan arrive, a queue whose policer spec is unchanged keeps its buckets, so a republish
 * for some other reason neither refills nor empties them.
 */
public final class PoliceStage extends Stage {
  private static final int MAX_QUEUES = 64;

  private final long hz;
  private final Policer[][] policers = new Policer[L2Tables.MAX_PORTS][];

  /**
   * @param hz the TSC frequency the buckets fill by
   */
  public PoliceStage(long hz) {
    this.hz = hz;
  }

  @Override
  public void run(BurstContext ctx) {
    Policer[] byQueue = policers[ctx.rxPort]; // a team member's own queues
    Policer policer = byQueue == null ? null : byQueue[ctx.rxQueue];
    if (policer == null) {
      return; // the tables have a policer the worker has not adopted yet
    }
    policer.refill(ctx.tsc);
    PolicerSpec spec = policer.spec();
    for (int live = ctx.live(); live != 0; live &= live - 1) {
      int i = Integer.numberOfTrailingZeros(live);
      int color = policer.color(ctx.length[i]);
      ctx.color[i] = (byte) color;
      if (color == Policer.RED) {
        if (spec.dropRed()) {
          ctx.drop(i, DropReason.POLICER_RED);
        } else {
          MarkStage.setDscp(ctx, i, spec.redDscp());
        }
      }
    }
  }

  @Override
  public void adopt(L2Tables tables, RxQueue[] queues, long tsc) {
    for (RxQueue in : queues) {
      int p = in.port().index();
      PortPolicy policy = p < tables.portCount() ? tables.ingress(p) : null;
      PolicerSpec spec = policy == null ? null : policy.policer();
      if (spec == null) {
        if (policers[p] != null) {
          policers[p][in.queue()] = null;
        }
        continue;
      }
      if (policers[p] == null) {
        policers[p] = new Policer[MAX_QUEUES];
      }
      Policer old = policers[p][in.queue()];
      if (old == null || !old.spec().equals(spec)) {
        policers[p][in.queue()] = new Policer(spec, hz, tsc);
      }
    }
  }

  /** This worker's policer of a port's receive queue, or null; for tests. */
  Policer policer(int port, int queue) {
    return policers[port] == null ? null : policers[port][queue];
  }
}
