package io.vswitch.dataplane.l2.tap;

import io.vswitch.dataplane.l2.BurstContext;
import io.vswitch.dataplane.l2.Feature;
import io.vswitch.dataplane.l2.Stage;

/**
 * Runs after one feature on a traced port's list and records, for the burst's traced packets, what
 * that feature decided: the fields it wrote and, for a packet it dropped, the reason and the
 * feature. The agent puts one after every feature of the traced port only, so no other port (and no
 * untraced burst) pays for it.
 */
public final class TraceStep extends Stage {
  private final Feature feature;
  private final long bit;

  TraceStep(Feature feature) {
    this.feature = feature;
    this.bit = 1L << feature.ordinal();
  }

  /** One step per feature, by ordinal (a worker's set). */
  public static Stage[] all() {
    Feature[] features = Feature.values();
    Stage[] steps = new Stage[features.length];
    for (Feature f : features) {
      steps[f.ordinal()] = new TraceStep(f);
    }
    return steps;
  }

  /**
   * A port's list as stages: each feature's stage, and on a traced list (one that starts with
   * {@link Feature#TRACE_IN}) the trace step after every feature but the trace's own.
   */
  public static Stage[] pipeline(Feature[] features, Stage[] stages, Stage[] steps) {
    boolean traced = features.length > 0 && features[0] == Feature.TRACE_IN;
    java.util.List<Stage> list = new java.util.ArrayList<>();
    for (Feature f : features) {
      list.add(stages[f.ordinal()]);
      if (traced && f != Feature.TRACE_IN && f != Feature.TRACE_OUT) {
        list.add(steps[f.ordinal()]);
      }
    }
    return list.toArray(Stage[]::new);
  }

  @Override
  public void run(BurstContext ctx) {
    TraceSession t = ctx.tables.taps().trace;
    if (t == null) {
      return;
    }
    for (int traced = ctx.traced; traced != 0; traced &= traced - 1) {
      int i = Integer.numberOfTrailingZeros(traced);
      int s = ctx.traceSlot[i];
      if (ctx.drop[i] != 0) {
        if (t.dropFeature[s] >= 0) {
          continue; // an earlier feature dropped it: this one never saw it
        }
        t.dropFeature[s] = (byte) feature.ordinal();
        t.dropReason[s] = ctx.drop[i];
      }
      t.path[s] |= bit;
      record(ctx, t, i, s); // what the feature decided, the drop's rule too
    }
  }

  private void record(BurstContext ctx, TraceSession t, int i, int s) {
    switch (feature) {
      case PARSE -> {
        t.length[s] = ctx.length[i];
        t.dstMac[s] = ctx.dstMac[i];
        t.srcMac[s] = ctx.srcMac[i];
        t.tag[s] = ctx.tag[i];
        t.etherType[s] = ctx.etherType[i];
      }
      case VLAN_CLASSIFY -> t.vlan[s] = ctx.vlan[i];
      case ACL_IN -> {
        t.aclIn[s] = ctx.port.ingressAcl;
        t.aclRule[s] = ctx.aclRule[i];
      }
      case POLICE -> t.color[s] = ctx.color[i];
      case FORWARD -> {
        t.egress[s] = ctx.egress[i];
        t.forwardOut[s] = ctx.out[i];
        t.out[s] = ctx.out[i];
      }
      case EGRESS_FILTER -> t.out[s] = ctx.out[i];
      case ACL_OUT -> { // the egress set as it came, less what the ACLs left: what they denied
        t.aclOutRemoved[s] = t.out[s] & ~ctx.out[i];
        t.out[s] = ctx.out[i];
      }
      case TRANSMIT -> t.out[s] = ctx.out[i] | ((ctx.copies >>> i & 1) != 0 ? ctx.copyOut[i] : 0);
      default -> {}
    }
  }
}
