package io.vswitch.dataplane.l2.tap;

import io.vswitch.dataplane.l2.BurstContext;
import io.vswitch.dataplane.l2.Stage;

/** Last on a traced port's list: publishes the burst's trace records to the control thread. */
public final class TraceOutStage extends Stage {

  @Override
  public void run(BurstContext ctx) {
    TraceSession trace = ctx.tables.taps().trace;
    if (trace == null) {
      return;
    }
    for (int traced = ctx.traced; traced != 0; traced &= traced - 1) {
      trace.publish(ctx.traceSlot[Integer.numberOfTrailingZeros(traced)]);
    }
    ctx.traced = 0;
  }
}
