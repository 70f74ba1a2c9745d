package io.vswitch.dataplane.l2.tap;

import io.vswitch.dataplane.l2.BurstContext;
import io.vswitch.dataplane.l2.Stage;

/**
 * First on a traced port's list: claims trace slots for the burst's packets (while the trace has
 * room) and marks them in the context, so the {@link TraceStep} after each feature records what
 * that feature decided. Only the traced port's list has it.
 */
public final class TraceInStage extends Stage {
  private final int worker;

  public TraceInStage(int worker) {
    this.worker = worker;
  }

  @Override
  public void run(BurstContext ctx) {
    ctx.traced = 0;
    TraceSession trace = ctx.tables.taps().trace;
    if (trace == null) {
      return;
    }
    long claim = trace.claim(ctx.count);
    if (claim < 0) {
      return;
    }
    int first = (int) claim;
    int n = (int) (claim >>> 32);
    for (int i = 0; i < n; i++) {
      ctx.traceSlot[i] = first + i;
      trace.reset(first + i, worker, ctx.rxQueue);
    }
    ctx.traced = n == 32 ? -1 : (1 << n) - 1;
  }
}
